/**
 * UMAP layouts for the maps, from the app's own exact neighbour lists.
 *
 * umap-js (the PAIR team's port of McInnes et al.'s UMAP) does the fuzzy graph and the layout
 * optimisation. Its own neighbour search (NN-descent) is approximate and would need every vector
 * as a JavaScript array of numbers (hundreds of MB at LLaVA size); the analysis worker already
 * holds the exact k nearest neighbours of every image in both spaces (core/knn/neighbourTable.ts),
 * so those are handed over as UMAP's precomputed neighbours. With them, umap-js reads its input
 * rows only for their count; it gets the PCA coordinates, two numbers an image.
 *
 * The layout runs epoch by epoch so the caller can report progress (and a worker can be stopped
 * between epochs); the random numbers come from a seed, so a set's layout is the same every time.
 */
import { UMAP } from 'umap-js';
import type { RankedLists } from '../knn/neighbourTable.ts';
import type { Metric } from '../types.ts';
import { seededRandom } from '../random.ts';

export interface UmapOptions {
  /** UMAP's n_neighbors, counting the point itself (UMAP's convention): 15 by default. */
  readonly neighbours?: number;
  readonly minDist?: number;
  readonly seed?: number;
  /** Epochs; umap-js picks 500 for up to 2,500 points, fewer above. */
  readonly epochs?: number;
  /** Called after every `every` epochs with the epochs done and the total. */
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
  readonly every?: number;
}

/**
 * UMAP's neighbour input from a ranked list: each row starts with the point itself (distance 0),
 * then its nearest others. Cosine lists hold 1 − cos; L2 lists hold squared distances, whose square
 * root UMAP wants (its membership strengths are built from distances, not their squares).
 */
export function umapNeighbours(lists: RankedLists, n: number, metric: Metric, neighbours: number): { indices: number[][]; distances: number[][] } {
  const width = Math.min(neighbours, n);
  if (lists.width < width - 1) throw new Error(`umapNeighbours: lists hold ${lists.width} neighbours, ${width - 1} are needed`);
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const rowIndices = [i];
    const rowDistances = [0];
    for (let r = 0; r < lists.width && rowIndices.length < width; r++) {
      const j = lists.index[i * lists.width + r]!;
      if (j === i || j < 0) continue;
      const d = Math.max(lists.dist[i * lists.width + r]!, 0);
      rowIndices.push(j);
      rowDistances.push(metric === 'l2' ? Math.sqrt(d) : d);
    }
    indices.push(rowIndices);
    distances.push(rowDistances);
  }
  return { indices, distances };
}

/** A 2-D UMAP layout, [n, 2] row-major. `rows` is any per-point data of length n (umap-js counts it). */
export async function umapLayout(
  lists: RankedLists,
  n: number,
  metric: Metric,
  rows: readonly (readonly number[])[],
  options: UmapOptions = {},
): Promise<Float32Array> {
  const neighbours = Math.min(options.neighbours ?? 15, n - 1);
  if (n < 3 || neighbours < 2) throw new Error(`A UMAP layout needs at least 3 images; ${n} are embedded.`);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: neighbours,
    minDist: options.minDist ?? 0.1,
    random: seededRandom(options.seed ?? 42),
    ...(options.epochs ? { nEpochs: options.epochs } : {}),
  });
  const { indices, distances } = umapNeighbours(lists, n, metric, neighbours);
  umap.setPrecomputedKNN(indices, distances);
  const total = umap.initializeFit(rows.map((r) => [...r]));
  const every = options.every ?? 10;
  for (let epoch = 1; epoch <= total; epoch++) {
    umap.step();
    if (epoch % every === 0 || epoch === total) await options.onProgress?.(epoch, total);
  }
  const embedding = umap.getEmbedding();
  const out = new Float32Array(n * 2);
  embedding.forEach((point, i) => {
    out[i * 2] = point[0]!;
    out[i * 2 + 1] = point[1]!;
  });
  return out;
}
