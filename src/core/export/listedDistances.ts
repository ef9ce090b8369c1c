/**
 * The distance of each listed neighbour pair, as the KNOR search measured it (docs/method.md,
 * KNOR step 2): cosine distance or squared L2 over the pooled vectors, accumulated in float64
 * dimension by dimension in index order, with the norms and the zero-vector rule of
 * knn/nearest.ts. The result is the search's own distance, bit for bit, so an exported table
 * is sorted the way the app ranked it.
 */
import { checkNeighbourLists } from '../knn/knor.ts';
import { cosineDistance, float64Norms } from '../knn/nearest.ts';
import type { Metric } from '../types.ts';

/** [n, k] distances for the [n, k] `lists` over `vectors` ([n, dim], row-major). */
export function listedDistances(vectors: Float32Array, n: number, dim: number, lists: Int32Array, k: number, metric: Metric): Float64Array {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (vectors.length !== n * dim) throw new RangeError(`invalid vectors: expected ${n} x ${dim} = ${n * dim} values, got ${vectors.length}`);
  checkNeighbourLists(lists, n, k);
  const norms = metric === 'cosine' ? float64Norms(vectors, n, dim) : null;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) out[i * k + r] = pairDistance(vectors, dim, i, lists[i * k + r]!, norms);
  return out;
}

/** Rows i and j of `vectors`: cosine distance with the rows' float64 norms, or squared L2 when `norms` is null. */
function pairDistance(vectors: Float32Array, dim: number, i: number, j: number, norms: Float64Array | null): number {
  const oi = i * dim;
  const oj = j * dim;
  let s = 0;
  if (norms) {
    for (let d = 0; d < dim; d++) s += vectors[oi + d]! * vectors[oj + d]!;
    return cosineDistance(s, norms[i]!, norms[j]!);
  }
  for (let d = 0; d < dim; d++) {
    const diff = vectors[oi + d]! - vectors[oj + d]!;
    s += diff * diff;
  }
  return s;
}

/** The distance from `query` to each of `neighbours` (pooled vectors of one width), as the search measured it. */
export function distancesFromQuery(query: Float32Array, neighbours: readonly Float32Array[], metric: Metric): Float64Array {
  const dim = query.length;
  if (neighbours.some((v) => v.length !== dim)) throw new RangeError(`distancesFromQuery: every vector needs ${dim} values`);
  const vectors = new Float32Array((neighbours.length + 1) * dim);
  vectors.set(query, 0);
  neighbours.forEach((v, i) => vectors.set(v, (i + 1) * dim));
  const norms = metric === 'cosine' ? float64Norms(vectors, neighbours.length + 1, dim) : null;
  return Float64Array.from(neighbours, (_, i) => pairDistance(vectors, dim, 0, i + 1, norms));
}
