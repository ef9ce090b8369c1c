/**
 * Each built-in pack runs in onnxruntime-web (WASM, in Node) and matches the independent
 * TypeScript reference forward pass of the same weights.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../scripts/onnx/readModel.ts';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { gatherBlocks, mat, pixelShuffleHF, referenceConnector, referenceEncoder } from './reference.ts';

const FAMILIES = ['mlp', 'merger', 'pixel-shuffle', 'perceiver'] as const;
const BATCH = 2;
const PLANE = 3 * 224 * 224;
/**
 * ORT's float32 kernels against the float64 reference differ by 2e-6..5e-6 here; the bound leaves
 * 15-25x room yet catches near misses such as tanh-approximate GELU (1e-3) or LayerNorm eps 1e-4 (1.5e-4).
 */
const RELATIVE_TOLERANCE = 1e-5;

const models = resolve(import.meta.dirname, '../../models');
const read = (path: string) => new Uint8Array(readFileSync(resolve(models, path)));

function images(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: count * PLANE }, () => (r() - 0.5) * 4);
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
  const manifestJson: unknown = JSON.parse(readFileSync(resolve(models, id, 'manifest.json'), 'utf8'));
  const manifest = manifestJson as PackManifest;
  const encoderBytes = read(`${id}/encoder.onnx`);
  const connectorBytes = read(`${id}/connector.onnx`);
  let encoder: ort.InferenceSession;
  let connector: ort.InferenceSession;
  beforeAll(async () => {
    encoder = await ort.InferenceSession.create(encoderBytes, { executionProviders: ['wasm'] });
    connector = await ort.InferenceSession.create(connectorBytes, { executionProviders: ['wasm'] });
  });

  async function run(pixels: Float32Array): Promise<{ pre: ort.Tensor; post: ort.Tensor }> {
    const feeds = { [manifest.io.encoderInput]: new ort.Tensor('float32', pixels, [pixels.length / PLANE, 3, 224, 224]) };
    const pre = (await encoder.run(feeds))[manifest.io.encoderOutput]!;
    const post = (await connector.run({ [manifest.io.connectorInput]: pre }))[manifest.io.connectorOutput]!;
    return { pre, post };
  }

  it('has a valid manifest', () => {
    const check = validateManifest(manifestJson);
    expect(check.ok ? [] : check.errors).toEqual([]);
    expect(manifest.connector.family).toBe(family);
  });

  it('declares the manifest tensors, with a symbolic batch, in its graphs', () => {
    const { size } = manifest.image;
    const { pre, post, dPre, dPost } = manifest.tokens;
    const enc = readModel(encoderBytes);
    const con = readModel(connectorBytes);
    expect(enc.inputs).toEqual([{ name: manifest.io.encoderInput, dims: ['batch', 3, size, size] }]);
    expect(enc.outputs).toEqual([{ name: manifest.io.encoderOutput, dims: ['batch', pre, dPre] }]);
    expect(con.inputs).toEqual([{ name: manifest.io.connectorInput, dims: ['batch', pre, dPre] }]);
    expect(con.outputs).toEqual([{ name: manifest.io.connectorOutput, dims: ['batch', post, dPost] }]);
    expect([enc.irVersion, enc.opset, enc.producer]).toEqual([8, 17, 'connector-lens']);
  });

  it('matches the reference forward pass, batched, with the manifest shapes', async () => {
    const pixels = images(BATCH, 11);
    const { pre, post } = await run(pixels);
    expect(pre.dims).toEqual([BATCH, manifest.tokens.pre, manifest.tokens.dPre]);
    expect(post.dims).toEqual([BATCH, manifest.tokens.post, manifest.tokens.dPost]);

    const encInfo = readModel(encoderBytes);
    const conInfo = readModel(connectorBytes);
    const preSize = manifest.tokens.pre * manifest.tokens.dPre;
    const postSize = manifest.tokens.post * manifest.tokens.dPost;
    const preData = pre.data as Float32Array;
    const postData = post.data as Float32Array;
    let preDiff = 0;
    let postDiff = 0;
    for (let i = 0; i < BATCH; i++) {
      const refPre = referenceEncoder(encInfo, pixels.subarray(i * PLANE, (i + 1) * PLANE));
      preDiff = Math.max(preDiff, maxAbsDiff(preData.subarray(i * preSize, (i + 1) * preSize), refPre.data));
      // Feed the reference connector the reference encoder's output: errors do not compound across runtimes.
      const refPost = referenceConnector(conInfo, family, refPre);
      postDiff = Math.max(postDiff, maxAbsDiff(postData.subarray(i * postSize, (i + 1) * postSize), refPost.data));
    }
    const preScale = maxAbs(preData);
    const postScale = maxAbs(postData);
    console.log(
      `${id}: max |ORT - reference| pre ${preDiff.toExponential(2)} (scale ${preScale.toFixed(2)}), post ${postDiff.toExponential(2)} (scale ${postScale.toFixed(2)})`,
    );
    expect(preDiff).toBeLessThan(RELATIVE_TOLERANCE * Math.max(1, preScale));
    expect(postDiff).toBeLessThan(RELATIVE_TOLERANCE * Math.max(1, postScale));
    // The outputs must carry signal, or the comparison proves nothing.
    expect(postScale).toBeGreaterThan(0.1);
  });

  it('treats batch items independently (swapping inputs swaps outputs; each equals its run alone)', async () => {
    const pixels = images(BATCH, 5);
    const swapped = new Float32Array(pixels.length);
    swapped.set(pixels.subarray(PLANE), 0);
    swapped.set(pixels.subarray(0, PLANE), PLANE);
    const a = (await run(pixels)).post.data as Float32Array;
    const b = (await run(swapped)).post.data as Float32Array;
    const half = a.length / 2;
    expect(maxAbsDiff(a.subarray(0, half), b.subarray(half))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.subarray(half), b.subarray(0, half))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.subarray(0, half), a.subarray(half))).toBeGreaterThan(1e-3);
    // Swapping cannot see batch-symmetric mixing (e.g. a norm over the whole batch); a solo run can.
    const alone = (await run(pixels.slice(PLANE))).post.data as Float32Array;
    expect(maxAbsDiff(a.subarray(half), alone)).toBeLessThan(1e-5);
  });
});

describe('post-token geometry of the reference', () => {
  it("Idefics3's pixel_shuffle puts each 2x2 block's patches row-major along channels", () => {
    // 4x4 grid, one channel holding the patch index: token 0 is block (0,0) = patches 0, 1, 4, 5.
    const x = mat(
      16,
      1,
      Float64Array.from({ length: 16 }, (_, i) => i),
    );
    expect(Array.from(pixelShuffleHF(x, 2).data)).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  });

  it('pixel shuffle r=2 and the 2x2 merger gather the same patches in the same order (14x14 grid)', () => {
    const r = seededRandom(3);
    const x = mat(
      196,
      8,
      Float64Array.from({ length: 196 * 8 }, () => r()),
    );
    expect(pixelShuffleHF(x, 2).data).toEqual(gatherBlocks(x, 14, 2).data);
  });
});
