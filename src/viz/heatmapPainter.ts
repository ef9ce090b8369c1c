/**
 * Per-patch loss drawn over the image the encoder saw. The pure parts (cell colours, hit
 * testing) are separate from the canvas calls so they can be tested in Node; `paintHeatmap`
 * only moves pixels.
 */
import { buildLut, lossColorScale, lutIndex } from './colorScale.ts';

/** A patch of the grid: `index = row * cols + col` (row-major, like the encoder's tokens). */
export interface PatchHit {
  readonly index: number;
  readonly row: number;
  readonly col: number;
}

function checkGrid(grid: readonly [number, number]): void {
  const [rows, cols] = grid;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new RangeError(`invalid grid: ${rows} x ${cols}`);
}

/**
 * One RGBA cell per patch, row-major, `rows * cols * 4` bytes: the LUT colour of the patch's
 * loss on `domain` (clamped at both ends) with alpha `round(opacity * 255)` (opacity clamped to
 * 0..1). A non-finite loss other than +Infinity (a missing value) is left fully transparent
 * rather than painted as "no loss".
 */
export function heatmapRgba(
  losses: Float32Array,
  grid: readonly [number, number],
  lut: Uint8ClampedArray,
  domain: readonly [number, number],
  opacity: number,
): Uint8ClampedArray<ArrayBuffer> {
  checkGrid(grid);
  const [rows, cols] = grid;
  if (losses.length !== rows * cols) throw new RangeError(`invalid losses: ${losses.length} values for a ${rows} x ${cols} grid`);
  const size = lut.length >> 2;
  if (size < 1) throw new RangeError('heatmapRgba: empty lookup table');
  const out = new Uint8ClampedArray(rows * cols * 4);
  const alpha = Math.round((Number.isFinite(opacity) ? Math.max(0, Math.min(1, opacity)) : 0) * 255);
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i]!;
    if (Number.isNaN(v) || v === -Infinity) continue;
    const k = lutIndex(v, domain[0], domain[1], size) * 4;
    out[i * 4] = lut[k]!;
    out[i * 4 + 1] = lut[k + 1]!;
    out[i * 4 + 2] = lut[k + 2]!;
    out[i * 4 + 3] = alpha;
  }
  return out;
}

/**
 * The patch under (x, y) on a `width` x `height` drawing of the grid, or null outside it.
 * Edges are half-open: x in [0, width), y in [0, height); cell c spans
 * [c * width / cols, (c + 1) * width / cols).
 */
export function patchAt(x: number, y: number, width: number, height: number, grid: readonly [number, number]): PatchHit | null {
  const [rows, cols] = grid;
  if (!(rows >= 1 && cols >= 1 && Number.isInteger(rows) && Number.isInteger(cols))) return null;
  if (!(width > 0 && height > 0)) return null;
  if (!(x >= 0 && y >= 0 && x < width && y < height)) return null;
  const row = Math.min(rows - 1, Math.floor((y * rows) / height));
  const col = Math.min(cols - 1, Math.floor((x * cols) / width));
  return { index: row * cols + col, row, col };
}

/** Pixel rectangle of patch `index` on a `width` x `height` drawing, or null if out of range. */
export function patchRect(
  index: number,
  width: number,
  height: number,
  grid: readonly [number, number],
): { x: number; y: number; w: number; h: number } | null {
  const [rows, cols] = grid;
  if (!Number.isInteger(index) || index < 0 || index >= rows * cols) return null;
  const w = width / cols;
  const h = height / rows;
  return { x: (index % cols) * w, y: Math.floor(index / cols) * h, w, h };
}

export interface HeatmapOptions {
  /** The exact cropped image the encoder saw (size x size RGBA), or null to draw cells only. */
  readonly image: ImageData | null;
  /** Per-patch loss, row-major, length rows * cols. */
  readonly losses: Float32Array;
  /** [rows, cols] of the patch grid. */
  readonly grid: readonly [number, number];
  /** Colour domain; values outside saturate. */
  readonly domain: readonly [number, number];
  /** Overlay opacity, 0..1. */
  readonly opacity: number;
  /** Drawing size in canvas pixels. */
  readonly width: number;
  readonly height: number;
  /** Patch index to outline, if any. */
  readonly highlight?: number | null;
  /** Precomputed LUT (from `buildLut(lossColorScale(domain))`); built from `domain` when absent. */
  readonly lut?: Uint8ClampedArray;
  /** Smooth (bilinear) cells instead of the default hard-edged blocks. */
  readonly smooth?: boolean;
}

interface Scratch {
  readonly image: HTMLCanvasElement;
  readonly cells: HTMLCanvasElement;
}

/** Off-screen canvases reused per target canvas, so hover redraws allocate nothing big. */
const scratchByCanvas = new WeakMap<HTMLCanvasElement, Scratch>();

function scratchFor(canvas: HTMLCanvasElement): Scratch {
  let s = scratchByCanvas.get(canvas);
  if (!s) {
    const doc = canvas.ownerDocument;
    s = { image: doc.createElement('canvas'), cells: doc.createElement('canvas') };
    scratchByCanvas.set(canvas, s);
  }
  return s;
}

function putPixels(target: HTMLCanvasElement, width: number, height: number, pixels: Uint8ClampedArray): void {
  if (target.width !== width) target.width = width;
  if (target.height !== height) target.height = height;
  const c = target.getContext('2d');
  if (!c) throw new Error('paintHeatmap: no 2D context for an off-screen canvas');
  const data = c.createImageData(width, height);
  data.data.set(pixels);
  c.putImageData(data, 0, 0);
}

/**
 * Draws, in order: the image scaled to width x height (smoothed), the loss cells blended at
 * `opacity` (hard-edged unless `smooth`), and an outline on the highlighted patch (dark and light
 * strokes, visible on both ends of the colour scale). Clears the area first; context state is
 * restored afterwards.
 */
export function paintHeatmap(ctx: CanvasRenderingContext2D, o: HeatmapOptions): void {
  const [rows, cols] = o.grid;
  const lut = o.lut ?? buildLut(lossColorScale(o.domain));
  const cellPixels = heatmapRgba(o.losses, o.grid, lut, o.domain, o.opacity);
  const scratch = scratchFor(ctx.canvas);
  ctx.save();
  try {
    ctx.clearRect(0, 0, o.width, o.height);
    if (o.image) {
      putPixels(scratch.image, o.image.width, o.image.height, o.image.data);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(scratch.image, 0, 0, o.width, o.height);
    }
    putPixels(scratch.cells, cols, rows, cellPixels);
    // Patches are discrete: by default draw each cell as a solid block, not a blur.
    ctx.imageSmoothingEnabled = o.smooth === true;
    ctx.drawImage(scratch.cells, 0, 0, o.width, o.height);
    const r = o.highlight === undefined || o.highlight === null ? null : patchRect(o.highlight, o.width, o.height, o.grid);
    if (r) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.85)';
      ctx.strokeRect(r.x + 1.5, r.y + 1.5, Math.max(0, r.w - 3), Math.max(0, r.h - 3));
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(r.x + 1.5, r.y + 1.5, Math.max(0, r.w - 3), Math.max(0, r.h - 3));
    }
  } finally {
    ctx.restore();
  }
}
