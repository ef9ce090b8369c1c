/**
 * Exact k nearest neighbours by brute force (METHOD.md, KNOR step 2). Distances in float64;
 * ties go to the lower index, so results are deterministic. Cosine distance is 1 - cos; a zero
 * vector has cosine similarity 0 with everything (distance 1), rather than NaN.
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

/** Returns [n, k] neighbour indices, nearest first. */
export function kNearest(embeddings: Float32Array, n: number, dim: number, k: number, metric: Metric, includeSelf = false): Int32Array {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(dim) || dim < 1 || embeddings.length !== n * dim) {
    throw new RangeError(`invalid embeddings: expected ${n} x ${dim} values, got ${embeddings.length}`);
  }
  const limit = maxK(n, includeSelf);
  if (!Number.isInteger(k) || k < 1 || k > limit) throw new RangeError(`invalid k: ${k} (expected 1..${limit} for ${n} images)`);

  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += embeddings[i * dim + d]! ** 2;
    norms[i] = Math.sqrt(s);
  }
  const distance = (i: number, j: number): number => {
    let s = 0;
    if (metric === 'cosine') {
      for (let d = 0; d < dim; d++) s += embeddings[i * dim + d]! * embeddings[j * dim + d]!;
      const denom = norms[i]! * norms[j]!;
      return denom === 0 ? 1 : 1 - s / denom;
    }
    for (let d = 0; d < dim; d++) {
      const e = embeddings[i * dim + d]! - embeddings[j * dim + d]!;
      s += e * e;
    }
    return s;
  };

  const out = new Int32Array(n * k);
  const bestD = new Float64Array(k);
  const bestJ = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let filled = 0;
    for (let j = 0; j < n; j++) {
      if (j === i && !includeSelf) continue;
      const dj = distance(i, j);
      // j grows, so an equal distance never displaces an earlier (lower) index.
      if (filled === k && !(dj < bestD[k - 1]!)) continue;
      let pos = filled === k ? k - 1 : filled++;
      while (pos > 0 && dj < bestD[pos - 1]!) {
        bestD[pos] = bestD[pos - 1]!;
        bestJ[pos] = bestJ[pos - 1]!;
        pos--;
      }
      bestD[pos] = dj;
      bestJ[pos] = j;
    }
    out.set(bestJ, i * k);
  }
  return out;
}
