/**
 * The kNN bench in headless Chromium, on the path the app uses: the analysis worker's search
 * (knnWorker.ts: core/knn with the dot-product kernel, one thread, as FAISS has) bundled by
 * esbuild, run in a dedicated worker of a page served from the folder that holds the vectors
 * FAISS reads. Chromium compiles relaxed SIMD, so the kernel's fused build runs, as in the app.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serveFolder } from '../../tests/e2e/folderServer.ts';
import { CHROMIUM, HEADLESS_ARGS } from '../../tests/support/headlessChromium.ts';
import type { KnnPageRequest, KnnPageResult } from './knnWorker.ts';

/** The search in Chromium on the vectors in `dir` (pre.f32, post.f32); a reason instead when it cannot run. */
export async function chromiumNeighbourSearch(dir: string, request: KnnPageRequest): Promise<KnnPageResult | { readonly why: string }> {
  if (!existsSync(CHROMIUM)) return { why: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  await build({
    entryPoints: [join(import.meta.dirname, 'knnWorker.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: join(dir, 'knn-worker.js'),
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>kNN bench</title>');
  const server = await serveFolder(dir, 'knn');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const result = await page.evaluate(
      (req) =>
        new Promise<Record<string, unknown>>((resolve) => {
          const worker = new Worker('knn-worker.js', { type: 'module' });
          worker.onmessage = (event: MessageEvent<Record<string, unknown>>) => {
            const data = event.data;
            // Typed arrays do not survive the trip back to Node: plain arrays do.
            resolve('error' in data ? data : { ...data, nnPre: Array.from(data.nnPre as Int32Array), nnPost: Array.from(data.nnPost as Int32Array) });
          };
          worker.onerror = (event) => resolve({ error: event.message });
          worker.postMessage(req);
        }),
      request,
    );
    if ('error' in result) return { why: `the page's search failed: ${String(result.error)}` };
    return { ...(result as unknown as KnnPageResult), nnPre: Int32Array.from(result.nnPre as number[]), nnPost: Int32Array.from(result.nnPost as number[]) };
  } finally {
    await browser.close();
    await server.close();
  }
}
