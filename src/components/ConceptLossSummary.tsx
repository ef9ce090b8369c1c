import type { ConceptLossLink } from '../core/sae/conceptLoss.ts';

/** One sentence: whether the patches where lost concepts fire are where the loss heatmap is bright. */
export function ConceptLossSummary({ link, level }: { link: ConceptLossLink | null; level: 'patches' | 'pooled' }) {
  if (level === 'pooled')
    return <p className="hint">Found on pooled vectors, concepts have no patches: find them on patch tokens to compare with the loss heatmap.</p>;
  if (!link)
    return (
      <p className="hint" data-testid="concepts-loss-link" data-auc="">
        Train the reconstructor to see whether the patches where lost concepts fire carry high reconstruction loss.
      </p>
    );
  const { lostPatches, otherPatches, auc, images } = link;
  if (lostPatches.patches === 0)
    return (
      <p data-testid="concepts-loss-link" data-auc="">
        No patch of the {images} images has a lost concept among its active concepts.
      </p>
    );
  return (
    <p data-testid="concepts-loss-link" data-auc={auc}>
      Patches where a lost concept fires have mean reconstruction loss <strong>{lostPatches.meanLoss.toFixed(3)}</strong> ({lostPatches.patches} patches), the
      others <strong>{otherPatches.meanLoss.toFixed(3)}</strong> ({otherPatches.patches}), on the {images} images both cover: a lost-concept patch has the
      higher loss in <strong>{Number.isNaN(auc) ? '–' : `${(auc * 100).toFixed(0)}%`}</strong> of pairs (AUC; 50% would be no link).
    </p>
  );
}
