import { useState, type PointerEvent } from 'react';
import type { RegionBox } from '../core/patches/regionAnalysis.ts';
import { useRegions } from '../store/hooks.ts';
import { addBox } from '../store/regions.ts';

const NO_BOXES: readonly RegionBox[] = [];
/** A drag shorter than this (a share of the crop) is a click, not a box. */
const MIN_SIDE = 0.02;

/**
 * The selected image's region boxes over its heatmap, in the crop's own coordinates (0..1); while
 * drawing is on, a drag adds a box. Off, it lets the pointer through to the canvas (hover readout).
 */
export function RegionOverlay({ imageId }: { imageId: string }) {
  const boxes = useRegions((s) => s.boxes[imageId]) ?? NO_BOXES;
  const drawing = useRegions((s) => s.drawing);
  const [draft, setDraft] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const at = (e: PointerEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return { x: clamp((e.clientX - rect.left) / rect.width), y: clamp((e.clientY - rect.top) / rect.height) };
  };
  const boxOf = (d: NonNullable<typeof draft>): RegionBox => ({
    x: Math.min(d.x0, d.x1),
    y: Math.min(d.y0, d.y1),
    width: Math.abs(d.x1 - d.x0),
    height: Math.abs(d.y1 - d.y0),
  });
  const shown = draft ? [...boxes, boxOf(draft)] : boxes;
  return (
    <svg
      className={`region-overlay${drawing ? ' drawing' : ''}`}
      viewBox="0 0 1 1"
      preserveAspectRatio="none"
      data-testid="region-overlay"
      aria-hidden="true"
      onPointerDown={(e) => {
        if (!drawing) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const p = at(e);
        setDraft({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
      }}
      onPointerMove={(e) => {
        if (!draft) return;
        const p = at(e);
        setDraft({ ...draft, x1: p.x, y1: p.y });
      }}
      onPointerUp={(e) => {
        if (!draft) return;
        const p = at(e);
        const box = boxOf({ ...draft, x1: p.x, y1: p.y });
        setDraft(null);
        if (box.width >= MIN_SIDE && box.height >= MIN_SIDE) addBox(imageId, box);
      }}
      onPointerCancel={() => setDraft(null)}
    >
      {shown.map((b, i) => (
        <rect key={i} className="region-box" x={b.x} y={b.y} width={b.width} height={b.height} vectorEffect="non-scaling-stroke" data-testid="region-box" />
      ))}
    </svg>
  );
}
