/**
 * Exact neighbour lists for every k up to kMax, for both metrics, computed once per set of
 * vectors: changing k, the metric or the self mode then selects from the table with no new
 * search. The lists are exactly kNearest's (nearest.ts), image for image and rank for rank: the
 * same float64 distances, summed in the same order, ties to the lower index.
 *
 * How it stays exact and fast: a candidate source (ml/gemmCandidates.ts: float32 matrix products
 * in ONNX Runtime, tens of GFLOP/s) proposes each row's most similar images by an approximate
 * score; each candidate's distance is then computed exactly, and the row is certified: every
 * image the source left out has an approximate score at most B, so its exact distance is at least
 * a bound derived from B and the rounding error of float32 dot products (gamma_d = d u |a||b|,
 * the classical bound, valid for any summation order). When that bound is above the row's
 * (kMax+1)-th exact distance, no left-out image can enter or tie the list. A row that is not
 * certified is searched exactly against every image (exactRow), so the answer never depends on
 * the approximation, only the time does.
 */
import type { Metric } from '../types.ts';
import { cosineDistance, float64Norms } from './nearest.ts';

/** What the UI offers at most; a larger k searches again. */
export const DEFAULT_K_MAX = 50;

/** One metric's lists: [n, width] image indices (self included where it ranks), sorted by exact distance, ties to the lower index. */
export interface RankedLists {
  readonly width: number;
  readonly index: Int32Array;
  readonly dist: Float64Array;
}

export interface NeighbourTable {
  readonly n: number;
  readonly dim: number;
  /** Largest k the table answers (self excluded or included). */
  readonly kMax: number;
  readonly cosine: RankedLists;
  readonly l2: RankedLists;
  /** Rows the approximate search could not certify and that were searched exactly, per metric. */
  readonly exactRows: { readonly cosine: number; readonly l2: number };
  /** Rows the candidate source searched a second time, against every image (its own fallback, before certification). */
  readonly rowsSearchedAgain: number;
  /** Threads the candidate source's products ran on; null when every row was searched exactly (no source). */
  readonly productThreads: number | null;
}

/**
 * Per row and metric, the candidates a source proposes: image indices and their approximate
 * scores (higher = nearer: cosine similarity, or 2 x.y - |y|^2 for L2), and `bound`, an upper
 * limit on the approximate score of every image not proposed (-Infinity when none was left out).
 */
export interface CandidatePools {
  readonly cosine: readonly RowPool[];
  readonly l2: readonly RowPool[];
  /** Rows the source searched a second time because its first pass left them short (for reports). */
  readonly rowsSearchedAgain?: number;
  /** Threads its products ran on (for reports; 1 when it does not say). */
  readonly threads?: number;
}
export interface RowPool {
  readonly index: Int32Array;
  readonly score: Float32Array;
  readonly bound: number;
}

/**
 * Hears how far a long search is (the share of its work done, 0 to 1) and is awaited, so that a
 * worker can take a Cancel message in between; it stops the search by rejecting.
 */
export type SearchProgress = (share: number) => Promise<void> | void;

/**
 * Proposes candidates for all rows; `width` is how many it should propose per row at least (when
 * there are that many). It reports the share of its work done to `progress`, if it can.
 */
export type CandidateSource = (x: Float32Array, n: number, dim: number, width: number, progress?: SearchProgress) => Promise<CandidatePools>;

/** The share of a table's time its candidates take (the rest: measuring and ranking them in float64), for progress. */
const CANDIDATE_SHARE = 0.7;
/** Rows between progress reports while rows are measured exactly. */
const ROWS_PER_REPORT = 256;

const U = 2 ** -24;
const METRICS: readonly Metric[] = ['cosine', 'l2'];

/**
 * Row i's exact dot products and squared differences with candidates[0..count), both metrics' raw
 * sums in one pass (the loads are most of the cost, about 1.6x faster than two passes). Four
 * candidates share each pass over row i: eight independent float64 sums in flight instead of a
 * single chain of dependent additions (about 3x faster), while each sum still runs dimension by
 * dimension in index order, as in kNearest (a product and a squared difference do not care which
 * image is first), so the distances are kNearest's bit for bit.
 */
function exactDotsAndSquares(x: Float32Array, dim: number, i: number, candidates: Int32Array, count: number, dots: Float64Array, squares: Float64Array): void {
  const oi = i * dim;
  for (let c = 0; c < count; c += 4) {
    const left = count - c;
    // Slots past the end repeat the first candidate; their sums are ignored.
    const o0 = candidates[c]! * dim;
    const o1 = (left > 1 ? candidates[c + 1]! : candidates[c]!) * dim;
    const o2 = (left > 2 ? candidates[c + 2]! : candidates[c]!) * dim;
    const o3 = (left > 3 ? candidates[c + 3]! : candidates[c]!) * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let d = 0; d < dim; d++) {
      const a = x[oi + d]!;
      const b0 = x[o0 + d]!;
      const b1 = x[o1 + d]!;
      const b2 = x[o2 + d]!;
      const b3 = x[o3 + d]!;
      s0 += a * b0;
      s1 += a * b1;
      s2 += a * b2;
      s3 += a * b3;
      const e0 = a - b0;
      const e1 = a - b1;
      const e2 = a - b2;
      const e3 = a - b3;
      q0 += e0 * e0;
      q1 += e1 * e1;
      q2 += e2 * e2;
      q3 += e3 * e3;
    }
    dots[c] = s0;
    squares[c] = q0;
    if (left > 1) {
      dots[c + 1] = s1;
      squares[c + 1] = q1;
    }
    if (left > 2) {
      dots[c + 2] = s2;
      squares[c + 2] = q2;
    }
    if (left > 3) {
      dots[c + 3] = s3;
      squares[c + 3] = q3;
    }
  }
}

/** The width-th highest of `scores` (which holds at least width). */
function widthBest(scores: Float32Array, width: number): number {
  return Float64Array.from(scores).sort().reverse()[width - 1]!;
}

/** Sort (dist, index) pairs: nearest first, ties to the lower index. */
function sortPairs(dist: Float64Array, index: Int32Array, count: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, a) => a);
  order.sort((a, b) => dist[a]! - dist[b]! || index[a]! - index[b]!);
  return order;
}

/** Row i of `out`: the first `width` of (dist, index) in sorted `order`. */
function writeRow(out: RankedLists, i: number, dist: Float64Array, index: Int32Array, order: Int32Array): void {
  const { width } = out;
  for (let r = 0; r < width; r++) {
    out.index[i * width + r] = index[order[r]!]!;
    out.dist[i * width + r] = dist[order[r]!]!;
  }
}

/** A metric's exact distance from the raw sums: kNearest's, bit for bit. */
function distanceFrom(metric: Metric, dot: number, square: number, normI: number, normJ: number): number {
  return metric === 'cosine' ? cosineDistance(dot, normI, normJ) : square;
}

/**
 * Every image's exact distance to row i, the first `width` kept, for each of `metrics`: the
 * fallback for an uncertified row, and every row when there is no candidate source (both metrics
 * from one pass over the data).
 */
function exactRow(
  x: Float32Array,
  n: number,
  dim: number,
  norms: Float64Array,
  metrics: readonly Metric[],
  i: number,
  lists: Record<Metric, RankedLists>,
): void {
  const index = Int32Array.from({ length: n }, (_, j) => j);
  const dots = new Float64Array(n);
  const squares = new Float64Array(n);
  exactDotsAndSquares(x, dim, i, index, n, dots, squares);
  for (const metric of metrics) {
    const dist = dots.map((dot, j) => distanceFrom(metric, dot, squares[j]!, norms[i]!, norms[j]!));
    writeRow(lists[metric], i, dist, index, sortPairs(dist, index, n));
  }
}

/**
 * The most an approximate score (float32 products, any summation order) can differ from the exact
 * one: gamma_d |a||b| for the dot product, plus a few roundings of the scaling and bias (float32),
 * plus slack for the float64 sums the exact distances themselves are. For L2 the score is
 * 2 x.y - |y|^2, so the bound scales with (|x| + the largest norm)^2.
 */
export function approximateScoreError(metric: Metric, dim: number, norm: number, maxNorm: number): number {
  const gamma = (dim + 8) * U * 1.0001;
  if (metric === 'cosine') return gamma + 1e-12;
  const scale = (norm + maxNorm) ** 2;
  return 2 * gamma * scale + 1e-9 * scale;
}

/**
 * The least exact distance an image left out of row i's pool can have, from the pool's bound on
 * its approximate score (see the module comment); Infinity when nothing was left out.
 */
function leftOutFloor(metric: Metric, bound: number, dim: number, norm: number, maxNorm: number): number {
  if (bound === -Infinity) return Infinity;
  const error = approximateScoreError(metric, dim, norm, maxNorm);
  return metric === 'cosine' ? 1 - (bound + error) : norm * norm - (bound + error);
}

/**
 * The table for vectors x [n, dim], lists up to kMax (plus self), from a candidate source;
 * without one, every row is searched exactly (the reference, and fine for small sets).
 */
export async function buildNeighbourTable(
  x: Float32Array,
  n: number,
  dim: number,
  kMax = DEFAULT_K_MAX,
  source?: CandidateSource,
  progress?: SearchProgress,
): Promise<NeighbourTable> {
  if (x.length !== n * dim) throw new RangeError(`invalid vectors: expected ${n} x ${dim} = ${n * dim} values, got ${x.length}`);
  const k = Math.max(1, Math.min(kMax, n));
  // kMax neighbours besides self, and self: what either self mode needs.
  const width = Math.min(n, k + 1);
  const norms = float64Norms(x, n, dim);
  let maxNorm = 0;
  for (const v of norms) maxNorm = Math.max(maxNorm, v);
  const empty = (): RankedLists => ({ width, index: new Int32Array(n * width), dist: new Float64Array(n * width) });
  const lists = { cosine: empty(), l2: empty() };
  const exactRows = { cosine: 0, l2: 0 };
  const pools = source ? await source(x, n, dim, width, progress && ((share) => progress(CANDIDATE_SHARE * share))) : null;
  // The rows' share of the work starts where the candidates' ended.
  const rowsFrom = pools ? CANDIDATE_SHARE : 0;
  const reportRows = async (i: number) => {
    if (progress && i % ROWS_PER_REPORT === 0) await progress(rowsFrom + ((1 - rowsFrom) * i) / n);
  };
  if (!pools) {
    for (let i = 0; i < n; i++) {
      await reportRows(i);
      exactRow(x, n, dim, norms, METRICS, i, lists);
    }
    await progress?.(1);
    return { n, dim, kMax: k, cosine: lists.cosine, l2: lists.l2, exactRows, rowsSearchedAgain: 0, productThreads: null };
  }
  let largestPool = 0;
  for (const pool of [...pools.cosine, ...pools.l2]) largestPool = Math.max(largestPool, pool.index.length);
  // Per row: each metric's candidates that can still reach its list, and their union, measured in one pass.
  const candidates = { cosine: new Int32Array(largestPool), l2: new Int32Array(largestPool) };
  const counts = { cosine: 0, l2: 0 };
  const bounds = { cosine: -Infinity, l2: -Infinity };
  const union = new Int32Array(2 * largestPool);
  const place = new Int32Array(n).fill(-1);
  const dots = new Float64Array(2 * largestPool);
  const squares = new Float64Array(2 * largestPool);
  for (let i = 0; i < n; i++) {
    await reportRows(i);
    let unionSize = 0;
    const measured: Metric[] = [];
    for (const metric of METRICS) {
      const pool = pools[metric][i];
      if (!pool || pool.index.length < width) {
        exactRows[metric] += 1;
        exactRow(x, n, dim, norms, [metric], i, lists);
        continue;
      }
      measured.push(metric);
      // Only candidates that can still reach the list are measured exactly: one whose approximate
      // score is more than twice the error below the width-th best cannot, and joins the left-out
      // ones under the bound (certification then covers it like any image the source left out).
      const error = approximateScoreError(metric, dim, norms[i]!, maxNorm);
      const reach = widthBest(pool.score, width) - 2 * error;
      let bound = pool.bound;
      let count = 0;
      for (let c = 0; c < pool.index.length; c++) {
        const score = pool.score[c]!;
        const j = pool.index[c]!;
        if (!(score >= reach)) {
          bound = Math.max(bound, score);
          continue;
        }
        candidates[metric][count++] = j;
        if (place[j] === -1) {
          place[j] = unionSize;
          union[unionSize++] = j;
        }
      }
      counts[metric] = count;
      bounds[metric] = bound;
    }
    exactDotsAndSquares(x, dim, i, union, unionSize, dots, squares);
    for (const metric of measured) {
      const count = counts[metric];
      const chosen = candidates[metric];
      const dist = new Float64Array(count);
      for (let c = 0; c < count; c++) {
        const j = chosen[c]!;
        dist[c] = distanceFrom(metric, dots[place[j]!]!, squares[place[j]!]!, norms[i]!, norms[j]!);
      }
      const order = sortPairs(dist, chosen, count);
      const last = count >= width ? dist[order[width - 1]!]! : Infinity;
      if (leftOutFloor(metric, bounds[metric], dim, norms[i]!, maxNorm) > last) {
        writeRow(lists[metric], i, dist, chosen, order);
      } else {
        exactRows[metric] += 1;
        exactRow(x, n, dim, norms, [metric], i, lists);
      }
    }
    for (let u = 0; u < unionSize; u++) place[union[u]!] = -1;
  }
  await progress?.(1);
  return {
    n,
    dim,
    kMax: k,
    cosine: lists.cosine,
    l2: lists.l2,
    exactRows,
    rowsSearchedAgain: pools.rowsSearchedAgain ?? 0,
    productThreads: pools.threads ?? 1,
  };
}

/** [n, k] neighbour indices for this k, metric and self mode, nearest first: what kNearest returns. */
export function selectNeighbours(table: NeighbourTable, k: number, metric: Metric, includeSelf: boolean): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > table.kMax || (includeSelf ? k > table.n : k > table.n - 1)) {
    throw new RangeError(`invalid k: ${k} (this table answers 1..${table.kMax} for ${table.n} images)`);
  }
  const lists = metric === 'cosine' ? table.cosine : table.l2;
  const { width, index } = lists;
  const out = new Int32Array(table.n * k);
  for (let i = 0; i < table.n; i++) {
    let taken = 0;
    for (let r = 0; r < width && taken < k; r++) {
      const j = index[i * width + r]!;
      if (j === i && !includeSelf) continue;
      out[i * k + taken++] = j;
    }
    if (taken < k) throw new RangeError(`selectNeighbours: row ${i} has ${taken} neighbours for k = ${k}`);
  }
  return out;
}
