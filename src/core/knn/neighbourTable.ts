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
}

/**
 * Per row and metric, the candidates a source proposes: image indices and their approximate
 * scores (higher = nearer: cosine similarity, or 2 x.y - |y|^2 for L2), and `bound`, an upper
 * limit on the approximate score of every image not proposed (-Infinity when none was left out).
 */
export interface CandidatePools {
  readonly cosine: readonly RowPool[];
  readonly l2: readonly RowPool[];
}
export interface RowPool {
  readonly index: Int32Array;
  readonly score: Float32Array;
  readonly bound: number;
}

/** Proposes candidates for all rows; `width` is how many it should propose per row at least (when there are that many). */
export type CandidateSource = (x: Float32Array, n: number, dim: number, width: number) => Promise<CandidatePools>;

const U = 2 ** -24;

/** The exact distance kNearest would compute between images i and j (bit for bit: the same products in the same order). */
export function exactDistance(x: Float32Array, dim: number, norms: Float64Array, metric: Metric, i: number, j: number): number {
  // kNearest pairs the lower index with the higher; a product and a squared difference do not care which is first.
  const oi = i * dim;
  const oj = j * dim;
  let s = 0;
  if (metric === 'cosine') {
    for (let d = 0; d < dim; d++) s += x[oi + d]! * x[oj + d]!;
    return cosineDistance(s, norms[i]!, norms[j]!);
  }
  for (let d = 0; d < dim; d++) {
    const e = x[oi + d]! - x[oj + d]!;
    s += e * e;
  }
  return s;
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

/** Every image's exact distance to row i, the first `width` kept: the fallback for an uncertified row. */
function exactRow(x: Float32Array, n: number, dim: number, norms: Float64Array, metric: Metric, i: number, out: RankedLists): void {
  const dist = new Float64Array(n);
  const index = Int32Array.from({ length: n }, (_, j) => j);
  for (let j = 0; j < n; j++) dist[j] = exactDistance(x, dim, norms, metric, i, j);
  writeRow(out, i, dist, index, sortPairs(dist, index, n));
}

/**
 * The least exact distance an image left out of row i's pool can have, from the pool's bound on
 * its approximate score (see the module comment); -Infinity when nothing was left out.
 */
function leftOutFloor(metric: Metric, bound: number, dim: number, norm: number, maxNorm: number): number {
  if (bound === -Infinity) return Infinity;
  // gamma_d |a||b| for the dot product, plus a few roundings of the scaling and bias (float32),
  // plus slack for the float64 sums the exact distances themselves are.
  const gamma = (dim + 8) * U * 1.0001;
  if (metric === 'cosine') return 1 - (bound + gamma) - 1e-12;
  const scale = (norm + maxNorm) ** 2;
  return norm * norm - (bound + 2 * gamma * scale) - 1e-9 * scale;
}

/**
 * The table for vectors x [n, dim], lists up to kMax (plus self), from a candidate source;
 * without one, every row is searched exactly (the reference, and fine for small sets).
 */
export async function buildNeighbourTable(x: Float32Array, n: number, dim: number, kMax = DEFAULT_K_MAX, source?: CandidateSource): Promise<NeighbourTable> {
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
  const pools = source ? await source(x, n, dim, width) : null;
  for (const metric of ['cosine', 'l2'] as const) {
    const out = lists[metric];
    for (let i = 0; i < n; i++) {
      const pool = pools?.[metric][i];
      if (!pool || pool.index.length < width) {
        exactRows[metric] += pools ? 1 : 0;
        exactRow(x, n, dim, norms, metric, i, out);
        continue;
      }
      const count = pool.index.length;
      const dist = new Float64Array(count);
      for (let c = 0; c < count; c++) dist[c] = exactDistance(x, dim, norms, metric, i, pool.index[c]!);
      const order = sortPairs(dist, pool.index, count);
      const last = dist[order[width - 1]!]!;
      if (!(leftOutFloor(metric, pool.bound, dim, norms[i]!, maxNorm) > last)) {
        exactRows[metric] += 1;
        exactRow(x, n, dim, norms, metric, i, out);
        continue;
      }
      writeRow(out, i, dist, pool.index, order);
    }
  }
  return { n, dim, kMax: k, cosine: lists.cosine, l2: lists.l2, exactRows };
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
