import { useEffect, useRef } from 'react';
import { createFrameScheduler, type FrameScheduler } from '../viz/frameScheduler.ts';
import { paintHeatmap, patchAt, type PatchHit } from '../viz/heatmapPainter.ts';
import type { HeatmapView } from './useHeatmapView.ts';

interface Props {
  readonly view: HeatmapView;
  /** Canvas pixels per side. */
  readonly size: number;
  readonly opacity: number;
  readonly highlight: number | null;
  readonly testId: string;
  readonly onHover?: (hit: PatchHit | null) => void;
}

/** The selected image's patch losses over the image, redrawn at most once per frame. */
export function HeatmapCanvas({ view, size, opacity, highlight, testId, onHover }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { losses, image, grid, domain, lut } = view;
  // One frame scheduler per canvas; it paints whatever the latest render asked for.
  const paint = useRef<() => void>(() => undefined);
  const frames = useRef<FrameScheduler | null>(null);
  useEffect(() => {
    const scheduler = createFrameScheduler(() => paint.current());
    frames.current = scheduler;
    return () => scheduler.cancel();
  }, []);
  useEffect(() => {
    paint.current = () => {
      const ctx = canvas.current?.getContext('2d');
      if (!ctx || !losses || !grid) return;
      paintHeatmap(ctx, { image, losses, grid, domain, opacity, width: size, height: size, highlight, lut });
    };
    frames.current?.request();
  }, [losses, image, grid, lut, opacity, highlight, domain, size]);
  return (
    <canvas
      ref={canvas}
      width={size}
      height={size}
      data-testid={testId}
      onMouseMove={(e) => {
        if (!grid || !onHover) return;
        const rect = e.currentTarget.getBoundingClientRect();
        onHover(patchAt(((e.clientX - rect.left) * size) / rect.width, ((e.clientY - rect.top) * size) / rect.height, size, size, grid));
      }}
      onMouseLeave={() => onHover?.(null)}
    />
  );
}
