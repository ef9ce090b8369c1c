/** The selected image as the encoder saw it (its tokens come from the tokens worker: useTokenRow). */
import { useMemo } from 'react';
import type { PackManifest } from '../../core/types.ts';
import { useAnalysis, useModel, useUi } from '../../store/hooks.ts';

export interface EncoderView {
  readonly manifest: PackManifest;
  readonly imageId: string;
  readonly crop: ImageData;
  readonly grid: readonly [number, number];
  /** The patch the lecture points at: the middle of the grid. */
  readonly patch: number;
}

/** Null until the pack is open and the selected image embedded (the step then says what is missing). */
export function useEncoderView(): EncoderView | null {
  const manifest = useModel((s) => s.manifest);
  const selectedId = useUi((s) => s.selectedId);
  const embedding = useAnalysis((s) => (selectedId ? s.embeddings[selectedId] : undefined));
  const size = manifest?.image.size ?? 0;
  const crop = useMemo(() => (embedding && size > 0 ? new ImageData(new Uint8ClampedArray(embedding.display), size, size) : null), [embedding, size]);
  const rows = manifest?.image.grid[0] ?? 0;
  const cols = manifest?.image.grid[1] ?? 0;
  const grid = useMemo<[number, number]>(() => [rows, cols], [rows, cols]);
  if (!manifest || !embedding || !crop || !selectedId) return null;
  return { manifest, imageId: selectedId, crop, grid, patch: Math.floor(rows / 2) * cols + Math.floor(cols / 2) };
}
