import { useEffect, useMemo, useRef } from 'react';
import { buildLut, lossColorScale } from '../viz/colorScale.ts';
import { paintHeatmap } from '../viz/heatmapPainter.ts';

/** Overlay opacity for concept maps: the image must stay readable under a small canvas. */
const OPACITY = 0.6;

/**
 * One concept's activation on each patch of an image, over the crop the encoder saw: the loss
 * heatmap's painter and colour map, scaled from 0 to the concept's largest activation anywhere.
 */
export function ConceptHeatmap({
  image,
  activations,
  grid,
  top,
  size,
  label,
}: {
  image: ImageData | null;
  activations: Float32Array;
  grid: readonly [number, number];
  top: number;
  size: number;
  label: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const domain = useMemo(() => [0, top > 0 ? top : 1] as const, [top]);
  const lut = useMemo(() => buildLut(lossColorScale(domain), 256), [domain]);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    paintHeatmap(ctx, { image, losses: activations, grid, domain, opacity: OPACITY, width: size, height: size, lut });
  }, [image, activations, grid, domain, lut, size]);
  return <canvas ref={canvas} width={size} height={size} className="concept-heatmap" role="img" aria-label={label} data-testid="concept-heatmap" />;
}
