/// <reference lib="webworker" />
/**
 * Analysis worker: neighbour sets and KNOR over pooled vectors. Apart from the inference worker
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
import { gemmCandidates } from '../ml/gemmCandidates.ts';
import type { AnalysisReply, AnalysisRequest, KnnRequest } from './protocol.ts';

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

self.onmessage = async (event: MessageEvent<AnalysisRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        return;
      case 'knn':
        return await knn(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, 'find the nearest neighbours') });
  }
};
