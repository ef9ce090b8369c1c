/**
 * One token drawn as its numbers: d cells in rows of at most 32, blue for negative, white for
 * zero, red for positive, on a scale symmetric about zero set by the token's largest magnitude.
 * Shows, without axes, that a token is a list of d numbers and how two tokens' shapes differ.
 */
import { interpolateRdBu, rgb } from 'd3';

export const STRIP_COLUMNS = 32;

/** [rows, cols] of the cell layout for d numbers. */
export function stripLayout(d: number, maxCols = STRIP_COLUMNS): [number, number] {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`invalid d: ${d} (expected a positive integer)`);
  const cols = Math.min(d, maxCols);
  return [Math.ceil(d / cols), cols];
}

/** RGBA per cell, row-major over the layout; cells past d (a short last row) stay transparent. */
export function stripRgba(values: Float32Array, maxCols = STRIP_COLUMNS): Uint8ClampedArray<ArrayBuffer> {
  const [rows, cols] = stripLayout(values.length, maxCols);
  let top = 0;
  for (const v of values) if (Number.isFinite(v)) top = Math.max(top, Math.abs(v));
  const out = new Uint8ClampedArray(rows * cols * 4);
  values.forEach((v, i) => {
    // RdBu runs red (0) to blue (1): flip it so positive is red.
    const t = top > 0 && Number.isFinite(v) ? 0.5 - v / (2 * top) : 0.5;
    const c = rgb(interpolateRdBu(t));
    out.set([c.r, c.g, c.b, 255], i * 4);
  });
  return out;
}

/** Draws the strip as hard-edged cells filling width x height. */
export function paintTokenStrip(ctx: CanvasRenderingContext2D, values: Float32Array, width: number, height: number): void {
  const [rows, cols] = stripLayout(values.length);
  const cells = ctx.canvas.ownerDocument.createElement('canvas');
  cells.width = cols;
  cells.height = rows;
  const data = new ImageData(stripRgba(values), cols, rows);
  cells.getContext('2d')?.putImageData(data, 0, 0);
  ctx.save();
  ctx.clearRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, 0, 0, width, height);
  ctx.restore();
}
