/**
 * Exact k nearest neighbours by brute force (docs/method.md, KNOR step 2).
 *
 * - Distances: cosine distance 1 - cos(a, b), or squared L2. Dot products and squared differences
 *   are accumulated in float64 (JS numbers), dimension by dimension in index order.
 * - Zero vectors: cosine similarity with a zero vector (either side, itself included) is defined
 *   as 0, so the distance is 1, never NaN.
 * - Ties (exactly equal distances) go to the lower index, so results are deterministic.
 * - Self: excluded by default. With includeSelf ("paper-compatible": the reference code queries a
 *   FAISS index that holds the query) the query is an ordinary candidate at its computed distance
 *   (0 for L2; 1 - x.x/|x|^2, within rounding of 0, for cosine; 1 for a zero vector), so it
 *   usually comes first, but a duplicate with a lower index can precede it.
 *
 * Every pair is computed once (d(i, j) is bit-identical to d(j, i): the same products summed in
 * the same order) and offered to both rows; four query rows share each pass over a candidate row.
 * Each row receives its candidates in increasing index order, which is what makes "keep the
 * earlier one on an exact tie" equal to "lower index wins". Memory: O(n k) besides the input.
 */
import type { Metric } from '../types.ts';

function maxK(n: number, includeSelf: boolean): number {
  return includeSelf ? n : n - 1;
}

/** Why KNOR cannot run on n images with this k, in words for the UI; null when it can. */
export function knorBlockedReason(n: number, k: number, includeSelf: boolean): string | null {
  const needed = includeSelf ? k : k + 1;
  if (n >= needed) return null;
  return `KNOR with k = ${k} needs at least ${needed} images; ${n} ${n === 1 ? 'is' : 'are'} embedded. Add ${needed - n} more or lower k.`;
}

/** Throws RangeError unless `embeddings` is [n, dim] and 1 <= k <= n - 1 (n with self). */
export function checkNeighbourArgs(embeddings: Float32Array, n: number, dim: number, k: number, includeSelf: boolean): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`invalid n: ${n} (expected a positive integer)`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (embeddings.length !== n * dim) throw new RangeError(`invalid embeddings: expected ${n} x ${dim} = ${n * dim} values, got ${embeddings.length}`);
  const limit = maxK(n, includeSelf);
  if (!Number.isInteger(k) || k < 1 || k > limit) {
    const range = limit >= 1 ? `1..${limit}` : 'none: needs at least 2 images';
    throw new RangeError(`invalid k: ${k} (expected ${range} for ${n} image${n === 1 ? '' : 's'}${includeSelf ? ' with self included' : ''})`);
  }
}

/** Each row's sum of squares in float64, dimension by dimension in index order (what every exact distance here starts from). */
export function squaredNorms(x: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0, o = i * dim; d < dim; d++, o++) s += x[o]! * x[o]!;
    out[i] = s;
  }
  return out;
}

/** Each row's float64 norm: the square root of squaredNorms. */
export function float64Norms(x: Float32Array, n: number, dim: number): Float64Array {
  return squaredNorms(x, n, dim).map(Math.sqrt);
}

/** Cosine distance from a float64 dot product and both norms; a zero vector on either side is at distance 1. */
export function cosineDistance(dot: number, normI: number, normJ: number): number {
  const denom = normI * normJ;
  return denom === 0 ? 1 : 1 - dot / denom;
}

/** Bounded, sorted candidate lists for every row: [n, k] distances and indices. */
class NeighbourLists {
  readonly dist: Float64Array;
  readonly index: Int32Array;
  readonly filled: Int32Array;
  constructor(
    n: number,
    readonly k: number,
  ) {
    this.dist = new Float64Array(n * k);
    this.index = new Int32Array(n * k);
    this.filled = new Int32Array(n);
  }

  /** Candidates must arrive in increasing index order per row: an equal distance never displaces. */
  offer(row: number, candidate: number, d: number): void {
    const k = this.k;
    const base = row * k;
    const dist = this.dist;
    const index = this.index;
    let filled = this.filled[row]!;
    if (filled === k) {
      if (!(d < dist[base + k - 1]!)) return;
    } else {
      this.filled[row] = ++filled;
    }
    let pos = base + filled - 1;
    while (pos > base && d < dist[pos - 1]!) {
      dist[pos] = dist[pos - 1]!;
      index[pos] = index[pos - 1]!;
      pos--;
    }
    dist[pos] = d;
    index[pos] = candidate;
  }
}

/** Returns [n, k] neighbour indices, nearest first (row i lists the neighbours of image i). */
export function kNearest(embeddings: Float32Array, n: number, dim: number, k: number, metric: Metric, includeSelf = false): Int32Array {
  checkNeighbourArgs(embeddings, n, dim, k, includeSelf);
  const x = embeddings;
  const cosine = metric === 'cosine';
  const norms = cosine ? float64Norms(x, n, dim) : null;
  const finish = (i: number, j: number, s: number): number => (norms ? cosineDistance(s, norms[i]!, norms[j]!) : s);

  const lists = new NeighbourLists(n, k);
  const BLOCK = 4;
  const sums = new Float64Array(BLOCK);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const rows = Math.min(BLOCK, n - i0);
    // Rows past the end alias the block's first row; their sums are ignored.
    const o0 = i0 * dim;
    const o1 = (rows > 1 ? i0 + 1 : i0) * dim;
    const o2 = (rows > 2 ? i0 + 2 : i0) * dim;
    const o3 = (rows > 3 ? i0 + 3 : i0) * dim;
    for (let j = i0; j < n; j++) {
      const oj = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      if (cosine) {
        for (let d = 0; d < dim; d++) {
          const b = x[oj + d]!;
          s0 += x[o0 + d]! * b;
          s1 += x[o1 + d]! * b;
          s2 += x[o2 + d]! * b;
          s3 += x[o3 + d]! * b;
        }
      } else {
        for (let d = 0; d < dim; d++) {
          const b = x[oj + d]!;
          const e0 = x[o0 + d]! - b;
          const e1 = x[o1 + d]! - b;
          const e2 = x[o2 + d]! - b;
          const e3 = x[o3 + d]! - b;
          s0 += e0 * e0;
          s1 += e1 * e1;
          s2 += e2 * e2;
          s3 += e3 * e3;
        }
      }
      sums[0] = s0;
      sums[1] = s1;
      sums[2] = s2;
      sums[3] = s3;
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        if (j < i) continue;
        const dij = finish(i, j, sums[r]!);
        if (j === i) {
          if (includeSelf) lists.offer(i, i, dij);
        } else {
          lists.offer(i, j, dij);
          lists.offer(j, i, dij);
        }
      }
    }
  }
  return lists.index;
}
