/**
 * models/mobilenet-v2-imagenet/encoder.onnx is nsfwjs's MobileNetV2 cut at block_10_project_BN,
 * converted by scripts/onnx/tfjsLayersToOnnx.ts: it regenerates byte for byte, and in
 * onnxruntime-web (WASM) it computes what TensorFlow.js computes with the same model.json and
 * weights (a sub-model up to the same layer, CPU backend).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../scripts/onnx/readModel.ts';
import { seededRandom } from '../../src/core/random.ts';
import { convertMobilenet, MOBILENET_PACK_DIR } from '../../scripts/mobilenet/convert.ts';
import { FROZEN_CUT_LAYER, loadNsfwjsMobilenet } from '../../scripts/mobilenet/nsfwjsModel.ts';

const S = 224;
const PLANE = S * S;
const committed = new Uint8Array(readFileSync(resolve(MOBILENET_PACK_DIR, 'encoder.onnx')));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** NCHW images in [0, 1]: three seeded uniform-noise images and three structured ones. */
function testImages(): { count: number; nchw: Float32Array } {
  const count = 6;
  const nchw = new Float32Array(count * 3 * PLANE);
  const at = (n: number, c: number, y: number, x: number) => ((n * 3 + c) * S + y) * S + x;
  for (let n = 0; n < 3; n++) {
    const r = seededRandom(100 + n);
    for (let i = 0; i < 3 * PLANE; i++) nchw[n * 3 * PLANE + i] = r();
  }
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      // Smooth colour ramps; a 16 px checkerboard in red and blue; a white disc on black.
      nchw[at(3, 0, y, x)] = x / (S - 1);
      nchw[at(3, 1, y, x)] = y / (S - 1);
      nchw[at(3, 2, y, x)] = 1 - (x + y) / (2 * (S - 1));
      const check = ((x >> 4) + (y >> 4)) % 2;
      nchw[at(4, 0, y, x)] = check;
      nchw[at(4, 2, y, x)] = 1 - check;
      nchw[at(4, 1, y, x)] = 0.5;
      const inside = (x - 100) ** 2 + (y - 120) ** 2 < 60 ** 2 ? 1 : 0;
      for (let c = 0; c < 3; c++) nchw[at(5, c, y, x)] = inside;
    }
  }
  return { count, nchw };
}

function toNhwc(nchw: Float32Array, count: number): Float32Array {
  const out = new Float32Array(nchw.length);
  for (let n = 0; n < count; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < PLANE; i++) out[(n * PLANE + i) * 3 + c] = nchw[(n * 3 + c) * PLANE + i]!;
  return out;
}

async function tfjsFeatures(nhwc: Float32Array, count: number): Promise<Float32Array> {
  const { model, weightData } = loadNsfwjsMobilenet();
  const full = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: weightData.slice().buffer,
    }),
  );
  const sub = tf.model({ inputs: full.inputs, outputs: full.getLayer(FROZEN_CUT_LAYER).output as tf.SymbolicTensor });
  const input = tf.tensor4d(nhwc, [count, S, S, 3]);
  const output = sub.predict(input) as tf.Tensor;
  // NHWC [N, 14, 14, 96] is already token-major: token y*14 + x, channels last.
  expect(output.shape).toEqual([count, 14, 14, 96]);
  const data = (await output.data()) as Float32Array;
  tf.dispose([input, output]);
  full.dispose();
  return data;
}

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('mobilenet-v2-imagenet encoder (converted from nsfwjs)', () => {
  it('regenerates byte for byte from the nsfwjs files (scripts/convertMobilenet.ts)', () => {
    const converted = convertMobilenet();
    expect(converted.grid).toEqual([14, 14]);
    expect(converted.channels).toBe(96);
    expect(sha(converted.bytes)).toBe(sha(committed));
  });

  it('has the pack interface: pixel_values [batch, 3, 224, 224] -> pre_tokens [batch, 196, 96], no BatchNorm left', () => {
    const info = readModel(committed);
    expect(info.inputs).toEqual([{ name: 'pixel_values', dims: ['batch', 3, 224, 224] }]);
    expect(info.outputs).toEqual([{ name: 'pre_tokens', dims: ['batch', 196, 96] }]);
    const ops = new Set(info.nodes.map((n) => n.op));
    expect([...ops].sort()).toEqual(['Add', 'Clip', 'Conv', 'Pad', 'Reshape', 'Transpose']);
  });

  it('matches TensorFlow.js on the same model, batched (noise and structured images)', async () => {
    const { count, nchw } = testImages();
    const session = await ort.InferenceSession.create(committed, { executionProviders: ['wasm'] });
    const result = await session.run({ pixel_values: new ort.Tensor('float32', nchw, [count, 3, S, S]) });
    const ours = result.pre_tokens!;
    expect(ours.dims).toEqual([count, 196, 96]);
    const reference = await tfjsFeatures(toNhwc(nchw, count), count);
    const data = ours.data as Float32Array;
    let diff = 0;
    let scale = 0;
    const perImage: string[] = [];
    for (let n = 0; n < count; n++) {
      let d = 0;
      for (let i = n * 196 * 96; i < (n + 1) * 196 * 96; i++) {
        d = Math.max(d, Math.abs(data[i]! - reference[i]!));
        scale = Math.max(scale, Math.abs(reference[i]!));
      }
      diff = Math.max(diff, d);
      perImage.push(d.toExponential(1));
    }
    console.log(
      `mobilenet-v2-imagenet vs tfjs: max |ORT - tfjs| ${diff.toExponential(2)} (per image ${perImage.join(', ')}), feature scale max |tfjs| ${scale.toFixed(3)}, ratio ${(diff / scale).toExponential(2)}`,
    );
    // The features must carry signal, or the comparison proves nothing.
    expect(scale).toBeGreaterThan(1);
    expect(diff).toBeLessThanOrEqual(1e-4 * scale);
    await session.release();
  });
});
