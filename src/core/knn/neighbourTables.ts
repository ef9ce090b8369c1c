/**
 * The neighbour tables KNOR needs: one for the pooled pre-projection vectors, one for the
 * post-projection ones, each exact up to kMax (neighbourTable.ts). Small sets are searched
 * exactly outright; large ones through the candidate source (matrix products), which only
 * changes how long it takes.
 */
import { buildNeighbourTable, DEFAULT_K_MAX, type CandidateSource, type NeighbourTable, type SearchProgress } from './neighbourTable.ts';

export interface PooledSet {
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly n: number;
  readonly dPre: number;
  readonly dPost: number;
}

export interface NeighbourTables {
  readonly vectors: PooledSet;
  readonly pre: NeighbourTable;
  readonly post: NeighbourTable;
}

/** How a pair of tables was searched: what the page keeps with its KNOR, for the record (and the browser test). */
export interface NeighbourSearch {
  /** Threads the dot products ran on; null when both spaces were small enough to search exactly outright. */
  readonly productThreads: number | null;
  /** Rows whose candidates could not be certified and were scanned exactly (both spaces, both metrics). */
  readonly uncertifiedRows: number;
}

export function searchOf(tables: NeighbourTables): NeighbourSearch {
  const { pre, post } = tables;
  const threads = [pre.productThreads, post.productThreads].filter((t): t is number => t !== null);
  return {
    productThreads: threads.length ? Math.max(...threads) : null,
    uncertifiedRows: pre.exactRows.cosine + pre.exactRows.l2 + post.exactRows.cosine + post.exactRows.l2,
  };
}

/** Below this many multiply-adds (n^2 d) an exact search is quick enough that matrix products do not pay. */
export const EXACT_BELOW = 2e8;

/** Both tables; `progress` hears the share of both done, each table weighted by its width (its time goes as n^2 d). */
export async function neighbourTables(vectors: PooledSet, k: number, source: CandidateSource, progress?: SearchProgress): Promise<NeighbourTables> {
  const kMax = Math.max(DEFAULT_K_MAX, k);
  const { dPre, dPost } = vectors;
  const preShare = dPre / (dPre + dPost);
  const pre = await sizedNeighbourTable(vectors.pre, vectors.n, dPre, kMax, source, progress && ((share) => progress(preShare * share)));
  const post = await sizedNeighbourTable(vectors.post, vectors.n, dPost, kMax, source, progress && ((share) => progress(preShare + (1 - preShare) * share)));
  return { vectors, pre, post };
}

/** One table, searched exactly outright when small (below EXACT_BELOW), else through `source`. */
export function sizedNeighbourTable(
  x: Float32Array,
  n: number,
  dim: number,
  kMax: number,
  source: CandidateSource,
  progress?: SearchProgress,
): Promise<NeighbourTable> {
  return buildNeighbourTable(x, n, dim, kMax, n * n * dim < EXACT_BELOW ? undefined : source, progress);
}
