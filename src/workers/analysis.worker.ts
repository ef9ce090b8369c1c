/// <reference lib="webworker" />
/**
 * Analysis worker: neighbour sets and KNOR over pooled vectors. Apart from the inference worker
 * on purpose: a model that is slow or stuck in one run there must not hold back KNOR when k or
 * the metric change. Thin: the math is in core/knn. Every reply is {type, id, ...}.
 */
import { describeFailure } from '../core/errors.ts';
import { knor } from '../core/knn/knor.ts';
import { kNearest } from '../core/knn/nearest.ts';
import type { AnalysisReply, AnalysisRequest, KnnRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(reply: AnalysisReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

function knn(req: KnnRequest): void {
  const nnPre = kNearest(req.pre, req.n, req.dPre, req.k, req.metric, req.includeSelf);
  const nnPost = kNearest(req.post, req.n, req.dPost, req.k, req.metric, req.includeSelf);
  const { perImage, mean } = knor(nnPre, nnPost, req.n, req.k);
  post({ type: 'result', id: req.id, result: { nnPre, nnPost, perImage, mean } }, [nnPre.buffer, nnPost.buffer, perImage.buffer]);
}

self.onmessage = (event: MessageEvent<AnalysisRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        return;
      case 'knn':
        return knn(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, 'find the nearest neighbours') });
  }
};
