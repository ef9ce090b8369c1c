/**
 * Retrieval counted, not averaged: for each labelled image, how many of its k neighbours carry
 * its label (docs/method.md, "Retrieval"), before and after the connector. Exported tables give
 * the counts (exact integers a reader can re-average any way) and the report adds precision@k,
 * both from knn/precision.ts so the numbers are the ones on screen.
 */
import { labelIds, precisionAtK } from '../knn/precision.ts';

export interface LabelHits {
  /** [n] neighbours sharing the image's label; -1 for an unlabelled image (no precision). */
  readonly before: Int32Array;
  readonly after: Int32Array;
  /** precision@k over labelled images; NaN when none is labelled. */
  readonly precisionBefore: number;
  readonly precisionAfter: number;
  readonly labelled: number;
}

export const NO_HITS = -1;

export function labelHits(labels: ReadonlyArray<string | null>, nnPre: Int32Array, nnPost: Int32Array, k: number): LabelHits {
  const n = labels.length;
  const { ids } = labelIds(labels);
  const pre = precisionAtK(nnPre, n, k, ids);
  const post = precisionAtK(nnPost, n, k, ids);
  // perImage holds hits / k in float32; times k it rounds back to the integer count.
  const count = (share: Float32Array) => Int32Array.from(share, (p) => (Number.isNaN(p) ? NO_HITS : Math.round(p * k)));
  return { before: count(pre.perImage), after: count(post.perImage), precisionBefore: pre.mean, precisionAfter: post.mean, labelled: pre.labelled };
}
