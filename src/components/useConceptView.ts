/**
 * What the concepts panel and the lecture's concept step both derive from a concept result: whether
 * it still describes what is open, and how to draw its concepts over the patch grid.
 */
import { useMemo } from 'react';
import { latentMaxima, type SparseCodes } from '../core/sae/topkSae.ts';
import { conceptResultCurrent, type ConceptResult } from '../store/concepts.ts';
import { useAnalysis, useModel } from '../store/hooks.ts';

/** Whether `result` was computed from the model and the embedded images open now. */
export function useConceptResultCurrent(result: ConceptResult | null): boolean {
  // Re-read currency whenever what is embedded or open changes.
  const embeddings = useAnalysis((s) => s.embeddings);
  const modelKey = useModel((s) => s.modelKey);
  return useMemo(() => conceptResultCurrent(result), [result, embeddings, modelKey]); // eslint-disable-line react-hooks/exhaustive-deps -- conceptResultCurrent reads those stores
}

/** Per-concept maxima by codes: the panel and the lecture step draw the same result, so compute them once. */
const maximaOf = new WeakMap<SparseCodes, Float32Array>();

function cachedMaxima(codes: SparseCodes, latents: number): Float32Array {
  let maxima = maximaOf.get(codes);
  if (!maxima) {
    maxima = latentMaxima(codes, latents);
    maximaOf.set(codes, maxima);
  }
  return maxima;
}

export interface ConceptPatchMaps {
  readonly grid: readonly [number, number];
  /** Code rows per image. */
  readonly tokens: number;
  /** Each concept's largest activation anywhere: the top of its colour scale. */
  readonly maxima: Float32Array;
}

/**
 * Patch maps when the codes before the connector are the encoder's patch grid, one row per patch
 * (not for pooled vectors, nor an export with a class token or another layout); else null.
 */
export function useConceptPatchMaps(result: ConceptResult): ConceptPatchMaps | null {
  const grid = useModel((s) => s.manifest?.image.grid);
  const { pre, settings } = result.analysis;
  const images = result.ids.length;
  const rows = grid?.[0];
  const cols = grid?.[1];
  return useMemo(() => {
    const tokens = pre.codes.n / images;
    if (!rows || !cols || rows * cols !== tokens) return null;
    return { grid: [rows, cols] as const, tokens, maxima: cachedMaxima(pre.codes, settings.latents) };
  }, [rows, cols, pre, images, settings.latents]);
}
