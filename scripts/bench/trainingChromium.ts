/**
 * The app's trainer timed in headless Chromium, the browser the app runs in: trainingWorker.ts
 * bundled by esbuild, run in a dedicated worker of a page served with tfjs-wasm's binaries.
 * Node 20's V8 compiles the same WebAssembly kernels markedly slower than Chromium's (the
 * products' kernel: 184 against 105 ms for a LLaVA-width product), so Node would not measure
 * what a user's tab does.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serveFolder } from '../../tests/e2e/folderServer.ts';
import { CHROMIUM, HEADLESS_ARGS } from '../../tests/support/headlessChromium.ts';
import type { TrainingPageResult } from './trainingWorker.ts';

const TFJS_WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Epoch seconds of the app's trainer at TRAINING_SIZES[size] in Chromium; a reason instead when it cannot run. */
export async function chromiumTrainingEpochs(size: number): Promise<TrainingPageResult | { readonly why: string }> {
  if (!existsSync(CHROMIUM)) return { why: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  const dir = mkdtempSync(join(tmpdir(), 'lens-train-page-'));
  try {
    await build({
      entryPoints: [join(import.meta.dirname, 'trainingWorker.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      outfile: join(dir, 'training-worker.js'),
      logLevel: 'warning',
    });
    const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    for (const file of TFJS_WASM_BINARIES) copyFileSync(join(wasmDist, file), join(dir, file));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>training bench</title>');
    const server = await serveFolder(dir, 'training');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      const result = await page.evaluate(
        (request) =>
          new Promise<Record<string, unknown>>((resolve) => {
            const worker = new Worker('training-worker.js', { type: 'module' });
            worker.onmessage = (event: MessageEvent<Record<string, unknown>>) => resolve(event.data);
            worker.onerror = (event) => resolve({ error: event.message });
            worker.postMessage(request);
          }),
        { size },
      );
      if ('error' in result) return { why: `the page's training failed: ${String(result.error)}` };
      return result as unknown as TrainingPageResult;
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
