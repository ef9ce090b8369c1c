/**
 * The inference bench in headless Chromium, the browser the app runs in: inferenceWorker.ts in a
 * page worker (pageWorker.ts) served with the default pack's files and ONNX Runtime Web's plain
 * WASM build, the path the app's inference worker takes on a machine without a GPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PackManifest } from '../../src/core/types.ts';
import { runPageWorker } from './pageWorker.ts';
import type { InferenceTiming } from './inferenceApp.ts';

/** The app's embedding of the pack in `folder`, timed in Chromium; a reason instead when it cannot run. */
export async function chromiumEmbedding(folder: string, manifest: PackManifest): Promise<InferenceTiming | { readonly why: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-inference-page-'));
  try {
    const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
    const files = [
      join(ortDist, 'ort-wasm-simd-threaded.wasm'),
      join(ortDist, 'ort-wasm-simd-threaded.mjs'),
      join(folder, 'manifest.json'),
      join(folder, manifest.files.encoder),
      join(folder, manifest.files.connector),
    ];
    return await runPageWorker<null, InferenceTiming>({ entry: join(import.meta.dirname, 'inferenceWorker.ts'), dir, files, what: 'embedding' }, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
