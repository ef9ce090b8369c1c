import { useMemo } from 'react';
import { conceptLossLink, type ConceptLossLink } from '../core/sae/conceptLoss.ts';
import type { ConceptResult } from '../store/concepts.ts';
import { useAnalysis } from '../store/hooks.ts';

/**
 * The concepts linked with the loss heatmap (core/sae/conceptLoss.ts): null unless the concepts
 * were found on patch tokens and a reconstruction of the same model is there to compare with.
 */
export function useConceptLossLink(result: ConceptResult | null): ConceptLossLink | null {
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const modelKey = useAnalysis((s) => s.modelKey);
  return useMemo(() => {
    if (!result || !reconstruction || result.modelKey !== modelKey || result.analysis.settings.level !== 'patches') return null;
    const { analysis } = result;
    return conceptLossLink({
      codes: analysis.pre.codes,
      codeIds: result.ids,
      latents: analysis.settings.latents,
      lost: new Set(analysis.matches.filter((m) => m.lost).map((m) => m.pre)),
      perPatch: reconstruction.perPatch,
      lossIds: reconstruction.ids,
      tokens: reconstruction.tokens,
    });
  }, [result, reconstruction, modelKey]);
}
