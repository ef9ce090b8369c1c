/**
 * The image the encoder saw, cut into its patch grid: thin lines between patches, thick lines
 * around the blocks a connector merges into one token, and one region outlined. Pure geometry
 * (line positions, outlines) is separate from the canvas calls so it can be tested in Node.
 */
import { patchRect } from './heatmapPainter.ts';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Positions of the lines between `cells` cells spread over `size`, keeping every `every`-th (block edges). */
export function gridLinePositions(cells: number, size: number, every = 1): number[] {
  if (!Number.isInteger(cells) || cells < 1) throw new RangeError(`invalid cells: ${cells} (expected a positive integer)`);
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`invalid every: ${every} (expected a positive integer)`);
  const out: number[] = [];
  for (let i = every; i < cells; i += every) out.push((i * size) / cells);
  return out;
}

/** The bounding box of some patches on a `width` x `height` drawing of the grid, or null for none. */
export function patchesRect(patches: readonly number[], width: number, height: number, grid: readonly [number, number]): Rect | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of patches) {
    const r = patchRect(p, width, height, grid);
    if (!r) continue;
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w);
    y1 = Math.max(y1, r.y + r.h);
  }
  return x1 > x0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

export interface PatchGridOptions {
  /** The exact crop the encoder saw, or null to draw the grid on grey. */
  readonly image: ImageData | null;
  readonly grid: readonly [number, number];
  readonly width: number;
  readonly height: number;
  /** Side, in patches, of the blocks merged into one token (thick lines); 1 or null for none. */
  readonly block: number | null;
  /** A region to outline (a patch, or the block of one token). */
  readonly outline: Rect | null;
}

const scratchByCanvas = new WeakMap<HTMLCanvasElement, HTMLCanvasElement>();

function lines(ctx: CanvasRenderingContext2D, xs: readonly number[], ys: readonly number[], width: number, height: number): void {
  ctx.beginPath();
  for (const x of xs) {
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
  }
  for (const y of ys) {
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
  }
  ctx.stroke();
}

export function paintPatchGrid(ctx: CanvasRenderingContext2D, o: PatchGridOptions): void {
  const [rows, cols] = o.grid;
  ctx.save();
  try {
    ctx.clearRect(0, 0, o.width, o.height);
    if (o.image) {
      let scratch = scratchByCanvas.get(ctx.canvas);
      if (!scratch) {
        scratch = ctx.canvas.ownerDocument.createElement('canvas');
        scratchByCanvas.set(ctx.canvas, scratch);
      }
      scratch.width = o.image.width;
      scratch.height = o.image.height;
      scratch.getContext('2d')?.putImageData(o.image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(scratch, 0, 0, o.width, o.height);
    } else {
      ctx.fillStyle = '#ced4da';
      ctx.fillRect(0, 0, o.width, o.height);
    }
    // Light lines over a dark halo read on both light and dark images.
    const px = Math.max(1, o.width / 400);
    for (const [colour, width] of [
      ['rgba(0, 0, 0, 0.45)', 2.5 * px],
      ['rgba(255, 255, 255, 0.8)', px],
    ] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      lines(ctx, gridLinePositions(cols, o.width), gridLinePositions(rows, o.height), o.width, o.height);
    }
    if (o.block !== null && o.block > 1) {
      for (const [colour, width] of [
        ['rgba(0, 0, 0, 0.6)', 6 * px],
        ['#ffd43b', 3 * px],
      ] as const) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        lines(ctx, gridLinePositions(cols, o.width, o.block), gridLinePositions(rows, o.height, o.block), o.width, o.height);
      }
    }
    if (o.outline) {
      const r = o.outline;
      for (const [colour, width] of [
        ['rgba(0, 0, 0, 0.85)', 8 * px],
        ['#ff4d4f', 4 * px],
      ] as const) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.strokeRect(r.x + 2 * px, r.y + 2 * px, Math.max(0, r.w - 4 * px), Math.max(0, r.h - 4 * px));
      }
    }
  } finally {
    ctx.restore();
  }
}
