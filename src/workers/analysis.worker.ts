/// <reference lib="webworker" />
/**
 * Analysis worker: neighbour sets, KNOR and the 2-D maps over pooled vectors. Apart from the inference worker
 * on purpose: a model that is slow or stuck in one run there must not hold back KNOR when k or
 * the metric change. It keeps the exact neighbour tables of the last vectors it was sent, so a new
 * k, metric or self mode is a selection, not a search. Thin: the math is in core/knn, the matrix
 * products in ml/gemmCandidates.ts. Every reply is {type, id, ...}.
 */
import './ortWasmAsset.ts';
import { describeFailure } from '../core/errors.ts';
import { knor } from '../core/knn/knor.ts';
import { neighbourTables, type NeighbourTables } from '../core/knn/neighbourTables.ts';
import { selectNeighbours } from '../core/knn/neighbourTable.ts';
import { principalComponents } from '../core/projection/pca.ts';
import { gemmCandidates } from '../ml/gemmCandidates.ts';
import type { AnalysisReply, AnalysisRequest, KnnRequest, MapLayoutRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let cached: { readonly key: string; readonly tables: NeighbourTables } | null = null;

function post(reply: AnalysisReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function knn(req: KnnRequest): Promise<void> {
  if (req.data) {
    cached = null; // the old tables go before the new are built: one set in memory at a time
    cached = { key: req.dataKey, tables: await neighbourTables(req.data, req.k, gemmCandidates()) };
  } else if (!cached || cached.key !== req.dataKey) {
    return post({ type: 'result', id: req.id, result: { status: 'need-data' } });
  } else if (req.k > cached.tables.pre.kMax) {
    cached = { key: req.dataKey, tables: await neighbourTables(cached.tables.vectors, req.k, gemmCandidates()) };
  }
  const { pre, post: postTable, vectors } = cached.tables;
  const nnPre = selectNeighbours(pre, req.k, req.metric, req.includeSelf);
  const nnPost = selectNeighbours(postTable, req.k, req.metric, req.includeSelf);
  const { perImage, mean } = knor(nnPre, nnPost, vectors.n, req.k);
  post({ type: 'result', id: req.id, result: { status: 'ok', nnPre, nnPost, perImage, mean } }, [nnPre.buffer, nnPost.buffer, perImage.buffer]);
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

self.onmessage = async (event: MessageEvent<AnalysisRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        return;
      case 'knn':
        return await knn(req);
      case 'map-layout':
        return mapLayout(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, req.type === 'map-layout' ? 'lay out the maps' : 'find the nearest neighbours') });
  }
};
