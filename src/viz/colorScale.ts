/**
 * Loss colours. One sequential scale (d3's inferno: black = little loss, pale yellow = much) is
 * sampled once into a 256-entry RGBA lookup table, so painting thousands of patches is a table
 * read per patch rather than a colour-string parse.
 *
 * Domain convention: callers pass `[0, robustMax(allLosses)]`. The top is the 99th percentile of
 * the whole collection's patch losses rather than the maximum, so one outlier patch cannot wash
 * the rest of the map out to black; values above the top saturate at the brightest colour (the
 * scale clamps). Using one domain for every image keeps images comparable by eye.
 */
import { interpolateInferno, rgb, scaleSequential, type ScaleSequential } from 'd3';

/** `[r, g, b, a]`, each 0..255. */
export type Rgba = [number, number, number, number];

/** Default lookup-table size. */
export const LUT_SIZE = 256;

/** The loss colour scale over `domain` (clamped: values outside map to the end colours). */
export function lossColorScale(domain: readonly [number, number]): ScaleSequential<string> {
  return scaleSequential(interpolateInferno).domain([domain[0], domain[1]]).clamp(true);
}

/**
 * A robust top for the colour domain: the `quantile` (default 0.99) of the finite values, by
 * linear interpolation between order statistics (d3.quantile's / R-7 definition).
 * Falls back to the largest finite value when the quantile is not positive (most patches
 * lossless), and to 1 when no value is positive or there are no finite values, so the result is
 * always a usable, positive domain top.
 */
export function robustMax(values: ArrayLike<number>, quantile = 0.99): number {
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`robustMax: quantile must be in [0, 1], got ${quantile}`);
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) finite[n++] = v;
  }
  if (n === 0) return 1;
  const sorted = finite.subarray(0, n).sort();
  const h = quantile * (n - 1);
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(n - 1, lo + 1)]!;
  const q = a + (b - a) * (h - lo);
  if (q > 0) return q;
  const top = sorted[n - 1]!;
  return top > 0 ? top : 1;
}

/** The scale's colour at `value`, parsed to numbers (slow path; use a LUT when painting many). */
export function rgbaOf(value: number, scale: ScaleSequential<string>): Rgba {
  const c = rgb(scale(value));
  return [Math.round(c.r), Math.round(c.g), Math.round(c.b), Math.round(c.opacity * 255)];
}

/**
 * RGBA lookup table of `size` entries sampled evenly across the scale's domain: entry i is the
 * colour at `lo + (hi - lo) * i / (size - 1)`, so entry 0 is the domain's bottom and entry
 * size - 1 its top. Alpha is 255 everywhere; callers set their own.
 */
export function buildLut(scale: ScaleSequential<string>, size = LUT_SIZE): Uint8ClampedArray<ArrayBuffer> {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`buildLut: size must be an integer >= 2, got ${size}`);
  const [lo, hi] = scale.domain() as [number, number];
  const lut = new Uint8ClampedArray(size * 4);
  for (let i = 0; i < size; i++) {
    const [r, g, b, a] = rgbaOf(lo + ((hi - lo) * i) / (size - 1), scale);
    lut[i * 4] = r;
    lut[i * 4 + 1] = g;
    lut[i * 4 + 2] = b;
    lut[i * 4 + 3] = a;
  }
  return lut;
}

/**
 * LUT entry for `value` on a table spanning [min, max]: the nearest sample, clamped to
 * 0..size-1. A degenerate domain (max <= min, or non-finite bounds) or a non-finite value
 * gives 0, except +Infinity which saturates at size - 1.
 */
export function lutIndex(value: number, min: number, max: number, size = LUT_SIZE): number {
  if (value === Infinity) return size - 1;
  if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max) || !Number.isFinite(value)) return 0;
  // A range wider than the largest double (max - min overflows to Infinity) is measured in halves.
  const span = max - min;
  const t = Number.isFinite(span) ? (value - min) / span : (value / 2 - min / 2) / (max / 2 - min / 2);
  return Math.max(0, Math.min(size - 1, Math.round(t * (size - 1))));
}
