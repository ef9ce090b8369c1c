/**
 * The app's side of the inference bench, shared by the page worker that runs it in headless
 * Chromium (inferenceWorker.ts) and the bench's report in Node (inference.ts): the pack, its
 * pixels, and the timed loop over ml/packRunner.ts's embed on ONNX Runtime Web's WASM build.
 */
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { wasmThreadsInUse } from '../../src/ml/ort.ts';
import { openPack } from '../../src/ml/packRunner.ts';

/** The bundled default pack (MobileNetV2 to block 10 + MLP connector). */
export const INFERENCE_PACK = 'mnv2-mlp';
export const WARM_UP = 3;
export const RUNS = 20;

export interface InferenceTiming {
  /** Milliseconds an image, encoder + connector, averaged over RUNS after WARM_UP. */
  readonly ms: number;
  /** The post tokens of the last run, for comparison with the reference's. */
  readonly post: Float32Array;
  /** The threads ONNX Runtime Web computed on, as it settled them (ml/ort.ts wasmThreadsInUse). */
  readonly threads: number | null;
}

export function checkedManifest(json: unknown): PackManifest {
  const checked = validateManifest(json);
  if (!checked.ok) throw new Error(`models/${INFERENCE_PACK}/manifest.json is invalid: ${checked.errors.join('; ')}`);
  return checked.manifest;
}

/** The same pixels everywhere: NCHW [1, 3, size, size] in [-1, 1) from a fixed seed. */
export function benchPixels(size: number): Float32Array {
  const random = seededRandom(21);
  return Float32Array.from({ length: 3 * size * size }, () => random() * 2 - 1);
}

/** The app's pack runner on WASM, timed on benchPixels, batch 1. */
export async function timeEmbedding(manifest: PackManifest, encoder: Uint8Array, connector: Uint8Array): Promise<InferenceTiming> {
  const runner = await openPack(manifest, encoder, connector, ['wasm']);
  try {
    const pixels = benchPixels(manifest.image.size);
    let post: Float32Array = new Float32Array(0);
    for (let i = 0; i < WARM_UP; i++) post = (await runner.embed(pixels)).post;
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) post = (await runner.embed(pixels)).post;
    return { ms: (performance.now() - started) / RUNS, post, threads: wasmThreadsInUse() };
  } finally {
    await runner.dispose();
  }
}
