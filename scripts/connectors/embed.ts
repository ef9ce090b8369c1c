/**
 * Images -> encoder tokens -> connector tokens with onnxruntime-web (WASM, one thread) in Node.
 * Imports onnxruntime-web directly.
 */
import * as ort from 'onnxruntime-web';
import { preprocess } from '../../src/core/image/preprocess.ts';
import type { PreprocessSpec } from '../../src/core/types.ts';
import type { LoadedImage } from '../imageset/load.ts';
import { CONNECTOR_IO, ENCODER_IO, MNV2, MNV2_PREPROCESS } from './config.ts';

ort.env.wasm.numThreads = 1;

const PLANE = 3 * MNV2.image * MNV2.image;

export async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

/** NCHW float32 [n, 3, 224, 224], as the app's worker feeds the encoder. */
export function pixelsOf(images: readonly LoadedImage[], spec: PreprocessSpec = MNV2_PREPROCESS): Float32Array {
  const out = new Float32Array(images.length * PLANE);
  images.forEach((img, i) => out.set(preprocess(img.rgba, img.width, img.height, spec, MNV2.image).pixels, i * PLANE));
  return out;
}

/** Runs `model` on [n, ...item] float32 in batches; returns the concatenated output and its per-item dims. */
async function runBatched(
  s: ort.InferenceSession,
  input: string,
  output: string,
  data: Float32Array,
  n: number,
  item: readonly number[],
  batch: number,
): Promise<{ data: Float32Array; dims: number[] }> {
  const itemSize = item.reduce((a, b) => a * b, 1);
  let out: Float32Array | null = null;
  let dims: number[] = [];
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const feeds = { [input]: new ort.Tensor('float32', data.subarray(start * itemSize, (start + count) * itemSize), [count, ...item]) };
    const result = (await s.run(feeds))[output]!;
    dims = (result.dims as number[]).slice(1);
    const per = dims.reduce((a, b) => a * b, 1);
    out ??= new Float32Array(n * per);
    out.set(result.data as Float32Array, start * per);
    result.dispose();
  }
  return { data: out ?? new Float32Array(0), dims };
}

/** Pre-projection tokens [n, 196, 96]. */
export async function encode(encoder: ort.InferenceSession, pixels: Float32Array, n: number): Promise<Float32Array> {
  return (await runBatched(encoder, ENCODER_IO.input, ENCODER_IO.output, pixels, n, [3, MNV2.image, MNV2.image], 8)).data;
}

/** Post-projection tokens [n, T', d_l]. */
export async function connect(connector: ort.InferenceSession, pre: Float32Array, n: number): Promise<{ data: Float32Array; tokens: number; dim: number }> {
  const { data, dims } = await runBatched(connector, CONNECTOR_IO.input, CONNECTOR_IO.output, pre, n, [MNV2.grid * MNV2.grid, MNV2.dim], 16);
  return { data, tokens: dims[0]!, dim: dims[1]! };
}
