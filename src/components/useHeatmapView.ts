/**
 * What a heatmap of the selected image needs, derived once from the stores: its patch losses,
 * the collection-wide colour domain and LUT, and the crop the encoder saw. Shared by the
 * heatmap panel and the lecture, so both show the same picture.
 */
import { useMemo } from 'react';
import type { ReconstructionResult } from '../store/analysisStore.ts';
import { useAnalysis, useModel, useUi } from '../store/hooks.ts';
import { buildLut, lossColorScale, robustMax } from '../viz/colorScale.ts';

export interface HeatmapView {
  readonly reconstruction: ReconstructionResult | null;
  /** Row of the selected image in the reconstruction, -1 when it was not trained on. */
  readonly row: number;
  readonly losses: Float32Array | null;
  readonly domain: readonly [number, number];
  readonly lut: Uint8ClampedArray;
  readonly image: ImageData | null;
  readonly grid: readonly [number, number] | null;
}

export function useHeatmapView(): HeatmapView {
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const embeddings = useAnalysis((s) => s.embeddings);
  const manifest = useModel((s) => s.manifest);
  const selectedId = useUi((s) => s.selectedId);
  const row = reconstruction && selectedId ? reconstruction.ids.indexOf(selectedId) : -1;
  // One colour domain for the whole collection, so images can be compared by eye.
  const domain = useMemo<[number, number]>(() => [0, reconstruction ? robustMax(reconstruction.perPatch) : 1], [reconstruction]);
  const lut = useMemo(() => buildLut(lossColorScale(domain), 256), [domain]);
  const losses = useMemo(
    () => (reconstruction && row >= 0 ? reconstruction.perPatch.subarray(row * reconstruction.tokens, (row + 1) * reconstruction.tokens) : null),
    [reconstruction, row],
  );
  const size = manifest?.image.size ?? 0;
  const display = selectedId ? embeddings[selectedId]?.display : undefined;
  // Built once per image, not on every hover redraw.
  const image = useMemo(() => (display && size > 0 ? new ImageData(new Uint8ClampedArray(display), size, size) : null), [display, size]);
  const rows = manifest?.image.grid[0];
  const cols = manifest?.image.grid[1];
  const grid = useMemo<[number, number] | null>(() => (rows && cols ? [rows, cols] : null), [rows, cols]);
  return { reconstruction, row, losses, domain, lut, image, grid };
}
