/**
 * The app's trainer timed in headless Chromium, the browser the app runs in: trainingWorker.ts in
 * a page worker (pageWorker.ts) served with tfjs-wasm's binaries. Node 20's V8 compiles the same
 * WebAssembly kernels markedly slower than Chromium's (the products' kernel: 184 against 105 ms
 * for a LLaVA-width product), so Node would not measure what a user's tab does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runPageWorker } from './pageWorker.ts';
import type { TrainingPageRequest, TrainingPageResult } from './trainingWorker.ts';

const TFJS_WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Epoch seconds of the app's trainer at TRAINING_SIZES[size] in Chromium; a reason instead when it cannot run. */
export async function chromiumTrainingEpochs(size: number): Promise<TrainingPageResult | { readonly why: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-train-page-'));
  try {
    const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    const files = TFJS_WASM_BINARIES.map((file) => join(wasmDist, file));
    return await runPageWorker<TrainingPageRequest, TrainingPageResult>(
      { entry: join(import.meta.dirname, 'trainingWorker.ts'), dir, files, what: 'training' },
      { size },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
