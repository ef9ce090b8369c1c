/**
 * Each built-in pack runs in onnxruntime-web (WASM, in Node) and matches the independent
 * TypeScript reference forward pass of the same weights.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../src/core/onnx/readModel.ts';
import { seededRandom } from '../../src/core/random.ts';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import { referenceConnector, referenceEncoder } from './reference.ts';

const FAMILIES = ['mlp', 'merger', 'pixel-shuffle', 'perceiver'] as const;
const models = resolve(import.meta.dirname, '../../models');
const read = (path: string) => new Uint8Array(readFileSync(resolve(models, path)));

function images(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: count * 3 * 224 * 224 }, () => (r() - 0.5) * 4);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe.each(FAMILIES)('built-in pack vit-%s', (family) => {
  const id = `vit-${family}`;
  it('has a valid manifest', () => {
    const check = validateManifest(JSON.parse(readFileSync(resolve(models, id, 'manifest.json'), 'utf8')));
    expect(check.ok ? [] : check.errors).toEqual([]);
  });

  it('matches the reference forward pass, batched, with the manifest shapes', async () => {
    const manifest = JSON.parse(readFileSync(resolve(models, id, 'manifest.json'), 'utf8'));
    const encoderBytes = read(`${id}/encoder.onnx`);
    const connectorBytes = read(`${id}/connector.onnx`);
    const encoder = await ort.InferenceSession.create(encoderBytes, { executionProviders: ['wasm'] });
    const connector = await ort.InferenceSession.create(connectorBytes, { executionProviders: ['wasm'] });
    const pixels = images(2, 11);
    const pre = (await encoder.run({ pixel_values: new ort.Tensor('float32', pixels, [2, 3, 224, 224]) })).pre_tokens!;
    const post = (await connector.run({ pre_tokens: pre })).post_tokens!;
    expect(pre.dims).toEqual([2, manifest.tokens.pre, manifest.tokens.dPre]);
    expect(post.dims).toEqual([2, manifest.tokens.post, manifest.tokens.dPost]);

    const encInfo = readModel(encoderBytes);
    const conInfo = readModel(connectorBytes);
    const preSize = manifest.tokens.pre * manifest.tokens.dPre;
    const postSize = manifest.tokens.post * manifest.tokens.dPost;
    const preData = pre.data as Float32Array;
    const postData = post.data as Float32Array;
    let preDiff = 0;
    let postDiff = 0;
    for (let i = 0; i < 2; i++) {
      const refPre = referenceEncoder(encInfo, pixels.subarray(i * 3 * 224 * 224, (i + 1) * 3 * 224 * 224));
      preDiff = Math.max(preDiff, maxAbsDiff(preData.subarray(i * preSize, (i + 1) * preSize), refPre.data));
      // Feed the reference connector the reference encoder's output: errors do not compound across runtimes.
      const refPost = referenceConnector(conInfo, family, refPre);
      postDiff = Math.max(postDiff, maxAbsDiff(postData.subarray(i * postSize, (i + 1) * postSize), refPost.data));
    }
    const scale = Math.max(maxAbs(preData), maxAbs(postData));
    console.log(`${id}: max |ORT - reference| pre ${preDiff.toExponential(2)}, post ${postDiff.toExponential(2)} (output scale ${scale.toFixed(2)})`);
    expect(preDiff).toBeLessThan(1e-4 * Math.max(1, scale));
    expect(postDiff).toBeLessThan(1e-4 * Math.max(1, scale));
    // The outputs must carry signal, or the comparison proves nothing.
    expect(maxAbs(postData)).toBeGreaterThan(0.1);
  });

  it('treats batch items independently (swapping inputs swaps outputs)', async () => {
    const encoder = await ort.InferenceSession.create(read(`${id}/encoder.onnx`), { executionProviders: ['wasm'] });
    const connector = await ort.InferenceSession.create(read(`${id}/connector.onnx`), { executionProviders: ['wasm'] });
    const run = async (pixels: Float32Array) => {
      const pre = (await encoder.run({ pixel_values: new ort.Tensor('float32', pixels, [2, 3, 224, 224]) })).pre_tokens!;
      return (await connector.run({ pre_tokens: pre })).post_tokens!.data as Float32Array;
    };
    const pixels = images(2, 5);
    const plane = 3 * 224 * 224;
    const swapped = new Float32Array(pixels.length);
    swapped.set(pixels.subarray(plane), 0);
    swapped.set(pixels.subarray(0, plane), plane);
    const a = await run(pixels);
    const b = await run(swapped);
    const half = a.length / 2;
    expect(maxAbsDiff(a.subarray(0, half), b.subarray(half))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.subarray(half), b.subarray(0, half))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.subarray(0, half), a.subarray(half))).toBeGreaterThan(1e-3);
  });
});
