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
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    for (let r = 0; r < k; r++) {
      const j = lists[i * k + r]!;
      const oj = j * dim;
      let s = 0;
      if (norms) {
        for (let d = 0; d < dim; d++) s += vectors[oi + d]! * vectors[oj + d]!;
        out[i * k + r] = cosineDistance(s, norms[i]!, norms[j]!);
      } else {
        for (let d = 0; d < dim; d++) {
          const diff = vectors[oi + d]! - vectors[oj + d]!;
          s += diff * diff;
        }
        out[i * k + r] = s;
      }
    }
  }
  return out;
}
