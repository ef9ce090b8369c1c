/// <reference lib="webworker" />
/**
 * The kNN bench's page worker (bundled by knnChromium.ts): the analysis worker's search, as it
 * runs on a page with one thread (neighbourTables with kernelCandidates on the worker's own
 * thread), on the vector files the bench wrote for FAISS, timed from vectors in memory to KNOR.
 */
import { fusedKernelAvailable } from '../../src/core/knn/dotProducts.ts';
import { kernelCandidates } from '../../src/core/knn/kernelCandidates.ts';
import { knor } from '../../src/core/knn/knor.ts';
import { selectNeighbours } from '../../src/core/knn/neighbourTable.ts';
import { neighbourTables } from '../../src/core/knn/neighbourTables.ts';
import { replyFromWorker } from './workerReply.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface KnnPageRequest {
  readonly n: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly k: number;
}

export interface KnnPageResult {
  readonly seconds: number;
  readonly mean: number;
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
  readonly fused: boolean;
  readonly exactRows: number;
}

self.onmessage = (event: MessageEvent<KnnPageRequest>) => {
  const { n, dPre, dPost, k } = event.data;
  replyFromWorker(self, async () => {
    const read = async (name: string) => new Float32Array(await (await fetch(`${name}.f32`)).arrayBuffer());
    const [pre, post] = [await read('pre'), await read('post')];
    const started = performance.now();
    const tables = await neighbourTables({ pre, post, n, dPre, dPost }, k, kernelCandidates());
    const nnPre = selectNeighbours(tables.pre, k, 'cosine', false);
    const nnPost = selectNeighbours(tables.post, k, 'cosine', false);
    const { mean } = knor(nnPre, nnPost, n, k);
    const seconds = (performance.now() - started) / 1000;
    const exactRows = tables.pre.exactRows.cosine + tables.post.exactRows.cosine;
    return { seconds, mean, nnPre, nnPost, fused: fusedKernelAvailable(), exactRows } satisfies KnnPageResult;
  });
};
