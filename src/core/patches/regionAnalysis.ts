/**
 * Region analysis (the paper's VQA finding: the patches the reconstructor cannot recover sit on
 * the region a question asks about). For one image, a region (boxes over the crop the encoder saw)
 * splits its patches into inside and outside; this module says whether the reconstruction loss is
 * higher inside than chance would make it:
 * - mean patch loss inside and outside, and their difference (inside − outside);
 * - the share of the image's top-10% loss patches (the ceil(T/10) highest, ties broken by patch
 *   order) that lie inside, beside the share of all patches inside (what chance gives);
 * - a one-sided permutation test: under the null the inside labels fall on any m of the T patches
 *   alike; p is the share of arrangements whose difference is at least the observed one. Exact (every
 *   arrangement enumerated) when there are at most EXACT_LIMIT of them, otherwise from PERMUTATIONS
 *   seeded random arrangements as (1 + hits) / (1 + draws).
 * Pooled over images, the statistic is the mean of the per-image differences, and each random
 * arrangement permutes every image's labels independently (a stratified test). Definitions and
 * formulas: docs/method.md, "Region analysis". Checked against numpy (tests/core/patches).
 */
import { seededRandom } from '../random.ts';

/** An axis-aligned box in crop pixels (the encoder's input, size × size): left, top, width, height. */
export interface RegionBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export const EXACT_LIMIT = 20_000;
export const PERMUTATIONS = 10_000;
export const TOP_SHARE = 0.1;

/**
 * Which patches the boxes cover: patch (r, c) of a rows × cols grid over a size × size crop is
 * inside when its centre lies in a box (edges included). Returns a 0/1 mask in patch order (row-major).
 */
export function patchMask(boxes: readonly RegionBox[], grid: readonly [number, number], size: number): Uint8Array {
  const [rows, cols] = grid;
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const cy = ((r + 0.5) * size) / rows;
    for (let c = 0; c < cols; c++) {
      const cx = ((c + 0.5) * size) / cols;
      if (boxes.some((b) => cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height)) mask[r * cols + c] = 1;
    }
  }
  return mask;
}

/**
 * A box in the original image's pixels (as COCO's [x, y, width, height]) moved into the crop the
 * encoder saw: scaled by the resize (resized / original per axis), shifted by the centre crop's
 * offsets, clipped to the crop. null when nothing of it is left inside the crop.
 */
export function cropBoxOf(
  box: RegionBox,
  original: { readonly width: number; readonly height: number },
  resized: readonly [number, number],
  size: number,
): RegionBox | null {
  const sx = resized[0] / original.width;
  const sy = resized[1] / original.height;
  const left = Math.floor((resized[0] - size) / 2);
  const top = Math.floor((resized[1] - size) / 2);
  const x0 = Math.max(0, box.x * sx - left);
  const y0 = Math.max(0, box.y * sy - top);
  const x1 = Math.min(size, (box.x + box.width) * sx - left);
  const y1 = Math.min(size, (box.y + box.height) * sy - top);
  if (!(x1 > x0 && y1 > y0)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export interface RegionStats {
  /** Patches inside the region (m) and in the image (T). */
  readonly inside: number;
  readonly patches: number;
  readonly meanInside: number;
  readonly meanOutside: number;
  /** meanInside − meanOutside. */
  readonly difference: number;
  /** How many of the top ceil(T/10) loss patches lie inside, and that as a share of them. */
  readonly topInside: number;
  readonly topCount: number;
  readonly topShare: number;
  /** One-sided permutation p-value for a difference this large or larger. */
  readonly pValue: number;
  /** Whether p came from every arrangement (true) or PERMUTATIONS random ones. */
  readonly exact: boolean;
}

/** C(n, k) as a float, stopping early once it passes `cap` (enough to choose exact or random). */
function binomialUpTo(n: number, k: number, cap: number): number {
  let c = 1;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) {
    c = (c * (n - kk + i)) / i;
    if (c > cap) return Number.POSITIVE_INFINITY;
  }
  return Math.round(c);
}

// A difference equal to the observed one, up to float rounding in the sums, counts as "at least".
const atLeast = (value: number, observed: number) => value >= observed - 1e-12 * Math.max(1, Math.abs(observed));

/** Sum of `values` at the first `m` indices of `order`. */
function sumAt(values: Float64Array, order: Int32Array, m: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) s += values[order[i]!]!;
  return s;
}

/** Moves a uniformly random m-subset of `order` to its front (a partial Fisher–Yates shuffle). */
function drawSubset(order: Int32Array, m: number, random: () => number): void {
  const n = order.length;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** The difference of means for an inside sum of m patches out of T with total `total`. */
const differenceOf = (insideSum: number, total: number, m: number, t: number) => insideSum / m - (total - insideSum) / (t - m);

/**
 * Region statistics of one image's patch losses under a 0/1 mask of the same length. null when the
 * region is empty or covers every patch (nothing to compare). `seed` fixes the random arrangements.
 */
export function regionStats(losses: ArrayLike<number>, mask: ArrayLike<number>, seed = 1): RegionStats | null {
  const t = losses.length;
  if (mask.length !== t) throw new RangeError(`regionStats: ${mask.length} mask entries for ${t} patches`);
  const values = Float64Array.from(losses);
  let m = 0;
  let insideSum = 0;
  let total = 0;
  for (let i = 0; i < t; i++) {
    total += values[i]!;
    if (mask[i]) {
      m += 1;
      insideSum += values[i]!;
    }
  }
  if (m === 0 || m === t) return null;
  const difference = differenceOf(insideSum, total, m, t);

  // Top decile: highest loss first, ties in patch order.
  const ranked = Array.from({ length: t }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const topCount = Math.ceil(TOP_SHARE * t);
  let topInside = 0;
  for (let i = 0; i < topCount; i++) if (mask[ranked[i]!]) topInside += 1;

  // Inside sums order the arrangements as their differences do (m fixed), so sums are compared.
  const arrangements = binomialUpTo(t, m, EXACT_LIMIT);
  let pValue: number;
  const exact = arrangements <= EXACT_LIMIT;
  if (exact) {
    let hits = 0;
    forEachSubsetSum(values, m, (sum) => {
      if (atLeast(sum, insideSum)) hits += 1;
    });
    pValue = hits / arrangements;
  } else {
    const random = seededRandom(seed);
    const order = Int32Array.from({ length: t }, (_, i) => i);
    let hits = 0;
    for (let p = 0; p < PERMUTATIONS; p++) {
      drawSubset(order, m, random);
      if (atLeast(sumAt(values, order, m), insideSum)) hits += 1;
    }
    pValue = (1 + hits) / (1 + PERMUTATIONS);
  }
  return {
    inside: m,
    patches: t,
    meanInside: insideSum / m,
    meanOutside: (total - insideSum) / (t - m),
    difference,
    topInside,
    topCount,
    topShare: topInside / topCount,
    pValue,
    exact,
  };
}

/** Calls `visit` with the sum of every m-subset of `values` (lexicographic order of index sets). */
function forEachSubsetSum(values: Float64Array, m: number, visit: (sum: number) => void): void {
  const n = values.length;
  const index = Int32Array.from({ length: m }, (_, i) => i);
  for (;;) {
    visit(sumAt(values, index, m));
    let i = m - 1;
    while (i >= 0 && index[i] === n - m + i) i--;
    if (i < 0) return;
    index[i]! += 1;
    for (let j = i + 1; j < m; j++) index[j] = index[j - 1]! + 1;
  }
}

export interface PooledRegionStats {
  readonly images: number;
  /** Mean over images of meanInside − meanOutside. */
  readonly meanDifference: number;
  /** Top-decile patches inside over all images / top-decile patches of all images. */
  readonly topShare: number;
  /** Patches inside over all images / all their patches: the share chance gives the top decile. */
  readonly insideShare: number;
  /** Stratified one-sided permutation p for the mean difference, from PERMUTATIONS random arrangements. */
  readonly pValue: number;
}

/**
 * Pooled over images that each have a region (rows whose region is empty or whole are left out).
 * A row may bring its own regionStats (same losses, mask and seed) so that a caller showing both
 * does not run every image's permutation test twice.
 */
export function pooledRegionStats(
  rows: readonly { readonly losses: ArrayLike<number>; readonly mask: ArrayLike<number>; readonly stats?: RegionStats | null }[],
  seed = 1,
): PooledRegionStats | null {
  const used = rows.flatMap((row) => {
    const stats = row.stats !== undefined ? row.stats : regionStats(row.losses, row.mask, seed);
    return stats ? [{ values: Float64Array.from(row.losses), stats }] : [];
  });
  if (used.length === 0) return null;
  const observed = used.reduce((s, u) => s + u.stats.difference, 0) / used.length;
  const random = seededRandom(seed);
  const orders = used.map((u) => Int32Array.from({ length: u.values.length }, (_, i) => i));
  const totals = used.map((u) => u.values.reduce((a, b) => a + b, 0));
  let hits = 0;
  for (let p = 0; p < PERMUTATIONS; p++) {
    let mean = 0;
    used.forEach((u, i) => {
      const { inside: m, patches: t } = u.stats;
      drawSubset(orders[i]!, m, random);
      mean += differenceOf(sumAt(u.values, orders[i]!, m), totals[i]!, m, t);
    });
    if (atLeast(mean / used.length, observed)) hits += 1;
  }
  const topInside = used.reduce((s, u) => s + u.stats.topInside, 0);
  const topCount = used.reduce((s, u) => s + u.stats.topCount, 0);
  const inside = used.reduce((s, u) => s + u.stats.inside, 0);
  const patches = used.reduce((s, u) => s + u.stats.patches, 0);
  return {
    images: used.length,
    meanDifference: observed,
    topShare: topInside / topCount,
    insideShare: inside / patches,
    pValue: (1 + hits) / (1 + PERMUTATIONS),
  };
}
