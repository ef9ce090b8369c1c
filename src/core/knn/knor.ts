/**
 * k-NN overlap ratio (docs/method.md, KNOR step 3): KNOR(i) = |NN_pre(i) ∩ NN_post(i)| / k, and the
 * collection's KNOR is the mean over i. Neighbour lists are [n, k] row-major, as kNearest returns
 * them; the order within a row does not matter, only membership.
 */
import type { Metric } from '../types.ts';
import { kNearest } from './nearest.ts';

export interface Knor {
  /** [n] overlap per image, in 0..1 (multiples of 1/k). */
  readonly perImage: Float32Array;
  /** Mean of perImage, accumulated in float64. */
  readonly mean: number;
}

export interface KnorFromEmbeddings extends Knor {
  /** [n, k] neighbours before and after the connector, nearest first. */
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
}

/** Throws RangeError unless `lists` is [n, k] with every entry in 0..n-1. */
export function checkNeighbourLists(lists: Int32Array, n: number, k: number, name = 'neighbour lists'): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`invalid n: ${n} (expected a positive integer)`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`invalid k: ${k} (expected 1..${n})`);
  if (lists.length !== n * k) throw new RangeError(`invalid ${name}: expected ${n * k} entries ([${n}, ${k}]), got ${lists.length}`);
  for (let a = 0; a < lists.length; a++) {
    const j = lists[a]!;
    if (j < 0 || j >= n) throw new RangeError(`invalid ${name}: entry ${a} (image ${Math.floor(a / k)}) is ${j}, expected 0..${n - 1}`);
  }
}

export function knor(nnPre: Int32Array, nnPost: Int32Array, n: number, k: number): Knor {
  if (nnPre.length !== n * k || nnPost.length !== n * k) {
    throw new RangeError(`invalid neighbour lists: expected ${n * k} entries ([${n}, ${k}]), got ${nnPre.length} and ${nnPost.length}`);
  }
  checkNeighbourLists(nnPre, n, k, 'pre neighbour lists');
  checkNeighbourLists(nnPost, n, k, 'post neighbour lists');
  const perImage = new Float32Array(n);
  // Membership marks stamped with the query index: no clearing between rows, no hashing.
  const mark = new Int32Array(n).fill(-1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) mark[nnPre[i * k + a]!] = i;
    let shared = 0;
    for (let b = 0; b < k; b++) {
      const j = nnPost[i * k + b]!;
      // A repeated entry counts once (kNearest never repeats one; hand-made lists might).
      if (mark[j] === i) {
        shared++;
        mark[j] = -1;
      }
    }
    perImage[i] = shared / k;
    total += shared / k;
  }
  return { perImage, mean: total / n };
}

/**
 * KNOR straight from pooled embeddings: pre [n, dPre] and post [n, dPost], row i of both the same
 * image. includeSelf is the paper-compatible switch (the query counts as its own neighbour).
 */
export function knorFromEmbeddings(
  pre: Float32Array,
  post: Float32Array,
  n: number,
  dPre: number,
  dPost: number,
  k: number,
  metric: Metric = 'cosine',
  includeSelf = false,
): KnorFromEmbeddings {
  const nnPre = kNearest(pre, n, dPre, k, metric, includeSelf);
  const nnPost = kNearest(post, n, dPost, k, metric, includeSelf);
  return { ...knor(nnPre, nnPost, n, k), nnPre, nnPost };
}
