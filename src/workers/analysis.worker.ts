/// <reference lib="webworker" />
/**
 * Analysis worker: neighbour sets, KNOR and the 2-D maps over pooled vectors. Apart from the inference worker
 * on purpose: a model that is slow or stuck in one run there must not hold back KNOR when k or
 * the metric change. It keeps the exact neighbour tables of the last vectors it was sent, so a new
 * k, metric or self mode is a selection, not a search. Thin: the math is in core/knn (the dot
 * products on core/knn/dotProducts.ts's kernel, its threads in productsPool.ts). Every reply is {type, id, ...}.
 */
import { describeFailure } from '../core/errors.ts';
import { knor } from '../core/knn/knor.ts';
import { neighbourTables, searchOf, sizedNeighbourTable, type NeighbourTables } from '../core/knn/neighbourTables.ts';
import { selectNeighbours, type NeighbourTable, type SearchProgress } from '../core/knn/neighbourTable.ts';
import { BASELINE_DRAWS, baselineSeed, gaussianMatrix, MAX_BASELINE_WORK, projectRows } from '../core/knn/randomBaseline.ts';
import { principalComponents } from '../core/projection/pca.ts';
import { umapLayout } from '../core/projection/umap.ts';
import { kernelCandidates } from '../core/knn/kernelCandidates.ts';
import { pooledProducts } from './productsPool.ts';
import { pooledRegionStats, regionStats } from '../core/patches/regionAnalysis.ts';
import type { AnalysisReply, AnalysisRequest, KnnRequest, MapLayoutRequest, MapUmapRequest, RandomBaselineRequest, RegionStatsRequest } from './protocol.ts';
import { yieldToEventLoop } from '../core/yieldToEventLoop.ts';

declare const self: DedicatedWorkerGlobalScope;

/** The neighbour search's candidate source: the dot-product kernel on as many threads as the page allows. */
const candidates = () => kernelCandidates(pooledProducts());

/** Jobs Cancel was asked for; long layouts look here between epochs. */
const cancelled = new Set<number>();

let cached: { readonly key: string; readonly tables: NeighbourTables } | null = null;
/** The random maps' neighbour tables for the vectors under `key` (built at the first baseline request). */
let baselineTables: { readonly key: string; readonly tables: readonly NeighbourTable[] } | null = null;

function post(reply: AnalysisReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

/** How often a search tells the page how far it is, and stops to let a Cancel message in. */
const SEARCH_REPORT_MS = 100;

/** A search's progress to the page (percent of both tables), at most every SEARCH_REPORT_MS; rejects once the job is cancelled. */
function searchProgress(id: number): SearchProgress {
  let last = performance.now();
  return async (share) => {
    const now = performance.now();
    if (now - last < SEARCH_REPORT_MS) return;
    last = now;
    post({ type: 'progress', id, progress: { done: Math.floor(100 * share), total: 100 } });
    await yieldToEventLoop();
    if (cancelled.has(id)) throw new DOMException('Cancelled', 'AbortError');
  };
}

async function knn(req: KnnRequest): Promise<void> {
  try {
    if (req.data) {
      cached = null; // the old tables go before the new are built: one set in memory at a time
      baselineTables = null;
      cached = { key: req.dataKey, tables: await neighbourTables(req.data, req.k, candidates(), searchProgress(req.id)) };
    } else if (!cached || cached.key !== req.dataKey) {
      return post({ type: 'result', id: req.id, result: { status: 'need-data' } });
    } else if (req.k > cached.tables.pre.kMax) {
      // Cancelled, the tables held stay (exact to their kMax).
      cached = { key: req.dataKey, tables: await neighbourTables(cached.tables.vectors, req.k, candidates(), searchProgress(req.id)) };
    }
  } finally {
    cancelled.delete(req.id);
  }
  const { pre, post: postTable, vectors } = cached.tables;
  const nnPre = selectNeighbours(pre, req.k, req.metric, req.includeSelf);
  const nnPost = selectNeighbours(postTable, req.k, req.metric, req.includeSelf);
  const { perImage, mean } = knor(nnPre, nnPost, vectors.n, req.k);
  post({ type: 'result', id: req.id, result: { status: 'ok', nnPre, nnPost, perImage, mean, search: searchOf(cached.tables) } }, [
    nnPre.buffer,
    nnPost.buffer,
    perImage.buffer,
  ]);
}

function mapLayout(req: MapLayoutRequest): void {
  if (!cached || cached.key !== req.dataKey) return post({ type: 'result', id: req.id, result: { status: 'need-data' } });
  const { pre, post: postVectors, n, dPre, dPost } = cached.tables.vectors;
  // Cosine neighbours are neighbours of unit-length vectors: the map shows that geometry.
  const normalize = req.metric === 'cosine';
  // Pass counts are upper bounds (iteration stops when the captured variance settles): the bar may jump.
  const onProgress = (space: 0 | 1) => (done: number, atMost: number) =>
    post({ type: 'progress', id: req.id, progress: { done: space * atMost + done, total: 2 * atMost } });
  const before = principalComponents(pre, n, dPre, { normalize, onProgress: onProgress(0) });
  const after = principalComponents(postVectors, n, dPost, { normalize, onProgress: onProgress(1) });
  post(
    {
      type: 'result',
      id: req.id,
      result: { status: 'ok', pre: before.coords, post: after.coords, explainedPre: before.explained, explainedPost: after.explained },
    },
    [before.coords.buffer, after.coords.buffer],
  );
}

async function mapUmap(req: MapUmapRequest): Promise<void> {
  if (!cached || cached.key !== req.dataKey) return post({ type: 'result', id: req.id, result: { status: 'need-data' } });
  const { tables } = cached;
  const n = tables.vectors.n;
  // umap-js counts its input rows; the neighbours come from the exact tables.
  const rows = Array.from({ length: n }, (_, i) => [i]);
  let before = 0;
  const layout = async (space: 'pre' | 'post') =>
    umapLayout(tables[space][req.metric], n, req.metric, rows, {
      onProgress: async (done, total) => {
        post({ type: 'progress', id: req.id, progress: { done: before + done, total: 2 * total } });
        // Let a Cancel message in between epochs.
        await yieldToEventLoop();
        if (cancelled.has(req.id)) throw new DOMException('Cancelled', 'AbortError');
        if (done === total) before = total;
      },
    });
  try {
    const pre = await layout('pre');
    const postLayout = await layout('post');
    post({ type: 'result', id: req.id, result: { status: 'ok', pre, post: postLayout } }, [pre.buffer, postLayout.buffer]);
  } finally {
    cancelled.delete(req.id);
  }
}

async function randomBaseline(req: RandomBaselineRequest): Promise<void> {
  if (!cached || cached.key !== req.dataKey) return post({ type: 'result', id: req.id, result: { status: 'need-data' } });
  const { pre, n, dPre, dPost } = cached.tables.vectors;
  const work = n * dPre * dPost * BASELINE_DRAWS;
  if (work > MAX_BASELINE_WORK) return post({ type: 'result', id: req.id, result: { status: 'too-large', work } });
  const preTable = cached.tables.pre;
  // Built for these vectors, and as deep as the tables KNOR reads now (a k past the old depth rebuilt those).
  if (!baselineTables || baselineTables.key !== req.dataKey || baselineTables.tables[0]!.kMax < preTable.kMax) {
    baselineTables = null;
    const tables: NeighbourTable[] = [];
    for (let draw = 0; draw < BASELINE_DRAWS; draw++) {
      const mapped = projectRows(pre, n, dPre, gaussianMatrix(dPre, dPost, baselineSeed(draw)), dPost);
      tables.push(await sizedNeighbourTable(mapped, n, dPost, preTable.kMax, candidates()));
    }
    baselineTables = { key: req.dataKey, tables };
  }
  const nnPre = selectNeighbours(preTable, req.k, req.metric, req.includeSelf);
  const means = baselineTables.tables.map((table) => knor(nnPre, selectNeighbours(table, req.k, req.metric, req.includeSelf), n, req.k).mean);
  post({ type: 'result', id: req.id, result: { status: 'ok', means } });
}

function regionStatsOf(req: RegionStatsRequest): void {
  const perImage = req.images.map((image) => regionStats(image.losses, image.mask, req.seed));
  const pooled = pooledRegionStats(
    req.images.map((image, i) => ({ ...image, stats: perImage[i] ?? null })),
    req.seed,
  );
  post({ type: 'result', id: req.id, result: { perImage, pooled } });
}

self.onmessage = async (event: MessageEvent<AnalysisRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'knn':
        return await knn(req);
      case 'map-layout':
        return mapLayout(req);
      case 'random-baseline':
        return await randomBaseline(req);
      case 'region-stats':
        return regionStatsOf(req);
      case 'map-umap':
        return await mapUmap(req);
    }
  } catch (error) {
    post({
      type: 'error',
      id: req.id,
      error: describeFailure(
        error,
        req.type === 'map-layout' || req.type === 'map-umap'
          ? 'lay out the maps'
          : req.type === 'random-baseline'
            ? 'compute the random-map baseline'
            : req.type === 'region-stats'
              ? 'compute the region statistics'
              : 'find the nearest neighbours',
      ),
    });
  }
};
