import { useMemo } from 'react';
import { useStore } from 'zustand';
import { conceptsOnImage, type ConceptOnImage } from '../../core/sae/conceptsOnImage.ts';
import { latentActivations } from '../../core/sae/topkSae.ts';
import { conceptsStore, findConcepts, type ConceptResult } from '../../store/concepts.ts';
import { useUi } from '../../store/hooks.ts';
import { ConceptHeatmap } from '../ConceptHeatmap.tsx';
import { ConceptLossSummary } from '../ConceptLossSummary.tsx';
import { JobBar } from '../JobBar.tsx';
import { useConceptLossLink } from '../useConceptLossLink.ts';
import { useConceptPatchMaps, useConceptResultCurrent } from '../useConceptView.ts';

/** Kept and lost concepts shown for the lecture's image, of each kind. */
const PER_KIND = 2;
/** Canvas pixels of one concept map (drawn smaller or larger by CSS). */
const CARD_PIXELS = 280;

/**
 * The concepts of the lecture's image, found by the concept analysis (store/concepts.ts): the
 * strongest kept and lost ones drawn where they fire, the tally over every concept, and whether
 * lost concepts sit where the loss heatmap is bright. Offers to find the concepts when there are none.
 */
export function ConceptsStep({ image }: { image: ImageData | null }) {
  const { job, result, settings } = useStore(conceptsStore);
  const current = useConceptResultCurrent(result);
  const shown = current ? result : null;
  const link = useConceptLossLink(shown);
  const lost = shown ? shown.analysis.matches.filter((m) => m.lost).length : 0;
  return (
    <div className="lecture-row">
      {shown && <ConceptCards result={shown} image={image} />}
      <div className="lecture-facts">
        {shown ? (
          <>
            <p className="lecture-fact-big" data-testid="lecture-concepts-tally">
              {shown.analysis.matches.length - lost} of {shown.analysis.matches.length} concepts kept, {lost} dropped
            </p>
            <p>
              A concept is kept when a concept after the connector fires with it
              {shown.analysis.matchedOn === 'patches' ? ' on the same patches' : ' on the same images'} (co-activation r ≥ 0.3).
            </p>
            <ConceptLossSummary link={link} level={shown.analysis.settings.level} />
          </>
        ) : (
          !job && (
            <p data-testid="lecture-no-concepts">
              {result ? 'The concepts found earlier belong to other images or another model: find them again.' : 'No concepts yet.'} Two sparse autoencoders (
              {settings.latents} concepts, {settings.k} active per {settings.level === 'pooled' ? 'image' : 'patch'}) take about a minute.
            </p>
          )
        )}
        {job ? (
          <JobBar job={job} testId="lecture-concepts-job" />
        ) : (
          <p>
            <button type="button" className="lecture-action" data-testid="lecture-find-concepts" onClick={() => void findConcepts()}>
              {shown ? 'Find concepts again' : 'Find concepts'}
            </button>
          </p>
        )}
      </div>
    </div>
  );
}

/** `image`: the crop the encoder saw of the lecture's image (useHeatmapView's). */
function ConceptCards({ result, image }: { result: ConceptResult; image: ImageData | null }) {
  const selectedId = useUi((s) => s.selectedId);
  const names = useStore(conceptsStore, (s) => s.names);
  const { analysis, ids } = result;
  const { pre, settings } = analysis;
  const row = selectedId ? ids.indexOf(selectedId) : -1;
  const picked = useMemo(
    () => (row >= 0 ? conceptsOnImage(pre.perImage, settings.latents, row, analysis.matches, PER_KIND) : null),
    [pre, settings.latents, row, analysis.matches],
  );
  const patchMaps = useConceptPatchMaps(result);
  if (!picked) return null;
  const card = ({ match, activation }: ConceptOnImage) => {
    const name = names[match.pre] ?? `concept ${match.pre}`;
    return (
      <figure key={match.pre} className={`lecture-concept${match.lost ? ' lost' : ''}`} data-testid="lecture-concept" data-lost={match.lost}>
        {patchMaps && (
          <ConceptHeatmap
            image={image}
            activations={latentActivations(pre.codes, row * patchMaps.tokens, patchMaps.tokens, match.pre)}
            grid={patchMaps.grid}
            top={patchMaps.maxima[match.pre]!}
            size={CARD_PIXELS}
            label={`Where ${name} fires on this image`}
          />
        )}
        <figcaption title={`mean activation on this image ${activation.toFixed(2)}`}>
          <strong>{name}</strong>{' '}
          {match.lost ? (
            <span className="badge lost-badge">dropped</span>
          ) : (
            <span className="space-post">
              kept → {match.post} after, r {match.coActivation.toFixed(2)}
            </span>
          )}
        </figcaption>
      </figure>
    );
  };
  return (
    <div className="lecture-concepts" data-testid="lecture-concepts">
      {picked.kept.length + picked.lost.length === 0 && <p>No concept fires on this image.</p>}
      {picked.kept.map(card)}
      {picked.lost.map(card)}
      {!patchMaps && <p className="hint">Found on pooled vectors: concepts have no patches to draw. Choose patch tokens in the Concepts panel.</p>}
    </div>
  );
}
