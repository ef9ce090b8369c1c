/**
 * The kNN bench in headless Chromium, on the path the app uses: the analysis worker's search
 * (knnWorker.ts: core/knn with the dot-product kernel, one thread, as FAISS has) in a page worker
 * (pageWorker.ts) served from the folder that holds the vectors FAISS reads. Chromium compiles
 * relaxed SIMD, so the kernel's fused build runs, as in the app.
 */
import { join } from 'node:path';
import { runPageWorker } from './pageWorker.ts';
import type { KnnPageRequest, KnnPageResult } from './knnWorker.ts';

/** The search in Chromium on the vectors in `dir` (pre.f32, post.f32); a reason instead when it cannot run. */
export function chromiumNeighbourSearch(dir: string, request: KnnPageRequest): Promise<KnnPageResult | { readonly why: string }> {
  return runPageWorker<KnnPageRequest, KnnPageResult>({ entry: join(import.meta.dirname, 'knnWorker.ts'), dir, what: 'neighbour search' }, request);
}
