/**
 * KNOR and neighbour lists over pooled vectors by the very calls the app's analysis worker makes
 * (workers/analysis.worker.ts): neighbourTables with candidates from the dot-product kernel
 * (core/knn/kernelCandidates.ts, on one thread here) made exact by core/knn, then selectNeighbours for k, the metric and the
 * self mode, then knor. So the CLI's lists are the app's, image for image and rank for rank.
 * Precision@k by label follows the app's KNOR panel: with two or more labelled classes.
 */
import { kernelCandidates } from '../src/core/knn/kernelCandidates.ts';
import { knor } from '../src/core/knn/knor.ts';
import { knorBlockedReason } from '../src/core/knn/nearest.ts';
import { neighbourTables, type PooledSet } from '../src/core/knn/neighbourTables.ts';
import { selectNeighbours } from '../src/core/knn/neighbourTable.ts';
import { labelIds, precisionAtK } from '../src/core/knn/precision.ts';
import type { KnorSettings } from './args.ts';

export interface NeighbourResult {
  /** [n, k] row indices, nearest first. */
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
  readonly perImage: Float32Array;
  readonly mean: number;
  /** Retrieval by label before and after the connector; null with fewer than two classes. */
  readonly precision: { readonly pre: number; readonly post: number; readonly labelled: number; readonly classes: number } | null;
}

/** Why KNOR cannot run on n images with these settings (the app's words), or null. */
export function neighboursBlocked(n: number, settings: KnorSettings): string | null {
  return knorBlockedReason(n, settings.k, settings.includeSelf);
}

export async function computeNeighbours(vectors: PooledSet, settings: KnorSettings, labels: readonly (string | null)[]): Promise<NeighbourResult> {
  const { k, metric, includeSelf } = settings;
  const tables = await neighbourTables(vectors, k, kernelCandidates());
  const nnPre = selectNeighbours(tables.pre, k, metric, includeSelf);
  const nnPost = selectNeighbours(tables.post, k, metric, includeSelf);
  const { perImage, mean } = knor(nnPre, nnPost, vectors.n, k);
  const { ids, classes } = labelIds(labels);
  let precision: NeighbourResult['precision'] = null;
  if (classes.length >= 2) {
    const pre = precisionAtK(nnPre, vectors.n, k, ids);
    const post = precisionAtK(nnPost, vectors.n, k, ids);
    precision = { pre: pre.mean, post: post.mean, labelled: pre.labelled, classes: classes.length };
  }
  return { nnPre, nnPost, perImage, mean, precision };
}
