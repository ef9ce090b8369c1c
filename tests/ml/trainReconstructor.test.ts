/**
 * The reconstructor learns what survives the projection and fails where it does not: checked on
 * synthetic data whose information content is known by construction.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchLosses } from '../../src/core/patches/patchLoss.ts';
import { seededRandom } from '../../src/core/random.ts';
import { warmupCosine } from '../../src/core/stats/lrSchedule.ts';
import { createReconstructor, parameterCount } from '../../src/ml/reconstructorModel.ts';
import { splitImages, trainReconstructor, type ReconstructionData } from '../../src/ml/trainReconstructor.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function randomArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

/** P = V A, token by token: an invertible map (dPost >= dPre), so V is recoverable. */
function linearData(images: number, tokens: number, dPre: number, dPost: number, seed: number, zeroTokens: readonly number[] = []): ReconstructionData {
  const pre = randomArray(images * tokens * dPre, seed);
  const a = randomArray(dPre * dPost, seed + 1);
  const post = new Float32Array(images * tokens * dPost);
  for (let row = 0; row < images * tokens; row++) {
    if (zeroTokens.includes(row % tokens)) continue; // the "connector" destroys these tokens
    for (let o = 0; o < dPost; o++) {
      let s = 0;
      for (let i = 0; i < dPre; i++) s += pre[row * dPre + i]! * a[i * dPost + o]!;
      post[row * dPost + o] = s;
    }
  }
  return { pre, post, images, tokensPre: tokens, tokensPost: tokens, dPre, dPost };
}

describe('warmupCosine', () => {
  it('rises linearly, peaks, then follows the cosine to zero', () => {
    expect(warmupCosine(0, 100, 10, 1)).toBeCloseTo(0.1);
    expect(warmupCosine(9, 100, 10, 1)).toBeCloseTo(1);
    expect(warmupCosine(10, 100, 10, 1)).toBeCloseTo(1);
    expect(warmupCosine(55, 100, 10, 2)).toBeCloseTo(1); // half-way through the decay: peak / 2
    expect(warmupCosine(100, 100, 10, 1)).toBeCloseTo(0);
  });
});

describe('splitImages', () => {
  it('holds out at least one image, keeps one for training, and is seeded', () => {
    const s = splitImages(10, 0.2, 3);
    expect(s.validation.length).toBe(2);
    expect(new Set([...s.train, ...s.validation]).size).toBe(10);
    expect(splitImages(10, 0.2, 3)).toEqual(s);
    expect(splitImages(2, 0.9, 1).train.length).toBe(1);
    expect(() => splitImages(1, 0.2, 1)).toThrow(/at least 2/);
  });
});

describe('trainReconstructor', () => {
  it('recovers V when P is an invertible linear map of it, and not when P is unrelated', async () => {
    const data = linearData(20, 16, 6, 10, 1);
    const config = { epochs: 60, hidden: 32, batchSize: 4, lr: 3e-3, patience: 60, seed: 1 };
    const learned = await trainReconstructor(data, config);
    const unrelated = await trainReconstructor({ ...data, post: randomArray(data.post.length, 99) }, config);
    const bestLearned = Math.min(...learned.history.valLoss);
    const bestUnrelated = Math.min(...unrelated.history.valLoss);
    console.log(`validation MSE (standardised): invertible ${bestLearned.toFixed(3)}, unrelated ${bestUnrelated.toFixed(3)}`);
    expect(bestLearned).toBeLessThan(0.25);
    expect(bestUnrelated).toBeGreaterThan(0.7);
    expect(learned.architecture.kind).toBe('token-wise-mlp');
  });

  it('puts high patch loss exactly where the connector destroyed tokens', async () => {
    const data = linearData(12, 8, 6, 10, 4, [2, 5]);
    const r = await trainReconstructor(data, { epochs: 60, hidden: 32, batchSize: 4, lr: 3e-3, patience: 60, seed: 2 });
    const perToken = new Float64Array(8);
    for (let i = 0; i < 12; i++) for (let t = 0; t < 8; t++) perToken[t]! += r.patchLoss.perPatch[i * 8 + t]! / 12;
    const lost = (perToken[2]! + perToken[5]!) / 2;
    const kept = [0, 1, 3, 4, 6, 7].reduce((s, t) => s + perToken[t]!, 0) / 6;
    console.log(`mean patch loss: destroyed tokens ${lost.toFixed(3)}, kept tokens ${kept.toFixed(3)}`);
    expect(lost).toBeGreaterThan(3 * kept);
  });

  it('maps T\' tokens to T with the token-mixing variant and still learns', async () => {
    // P token j = mean of V tokens 2j and 2j+1, times a matrix: halves the tokens.
    const images = 10;
    const pre = randomArray(images * 8 * 4, 5);
    const post = new Float32Array(images * 4 * 8);
    const a = randomArray(4 * 8, 6);
    for (let i = 0; i < images; i++)
      for (let j = 0; j < 4; j++)
        for (let o = 0; o < 8; o++) {
          let s = 0;
          for (let d = 0; d < 4; d++) s += ((pre[(i * 8 + 2 * j) * 4 + d]! + pre[(i * 8 + 2 * j + 1) * 4 + d]!) / 2) * a[d * 8 + o]!;
          post[(i * 4 + j) * 8 + o] = s;
        }
    const r = await trainReconstructor({ pre, post, images, tokensPre: 8, tokensPost: 4, dPre: 4, dPost: 8 }, { epochs: 40, hidden: 16, batchSize: 2, lr: 3e-3, patience: 40, seed: 3 });
    expect(r.architecture.kind).toBe('token-mixing-mlp');
    expect(r.patchLoss.perPatch.length).toBe(images * 8);
    expect(r.patchLoss.perPatch.every(Number.isFinite)).toBe(true);
    expect(r.history.trainLoss.at(-1)!).toBeLessThan(r.history.trainLoss[0]! * 0.8);
    expect(r.architecture.params).toBe(parameterCount({ tokensPre: 8, tokensPost: 4, dPre: 4, dPost: 8, hidden: 16 }));
    // The kept weights are exactly the model's parameters.
    expect(r.weights.reduce((n, w) => n + w.values.length, 0)).toBe(r.architecture.params);
    expect(r.standardizers.pre.dim).toBe(4);
  });

  it('stops early, restores the best weights, and reports losses consistent with them', async () => {
    const data = { ...linearData(8, 4, 4, 6, 7), post: randomArray(8 * 4 * 6, 8) };
    const r = await trainReconstructor(data, { epochs: 80, hidden: 16, batchSize: 2, lr: 1e-2, patience: 3, seed: 4 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.valLoss.length).toBe(r.bestEpoch + 3);
    // Mean patch loss over validation images == the best epoch's validation loss (best weights restored).
    const val = Array.from(r.split.validation);
    const meanVal = val.reduce((s, i) => s + r.patchLoss.perImage[i]!, 0) / val.length;
    expect(meanVal).toBeCloseTo(r.history.valLoss[r.bestEpoch - 1]!, 4);
  });

  it('is deterministic for a seed and leaks no tensors', async () => {
    const data = linearData(6, 4, 3, 5, 9);
    const before = tf.memory().numTensors;
    const a = await trainReconstructor(data, { epochs: 5, hidden: 8, batchSize: 2, seed: 5 });
    const after = tf.memory().numTensors;
    const b = await trainReconstructor(data, { epochs: 5, hidden: 8, batchSize: 2, seed: 5 });
    expect(b.history).toEqual(a.history);
    expect(after).toBe(before);
  });

  it('stops within a batch when cancelled', async () => {
    const controller = new AbortController();
    const data = linearData(8, 4, 3, 5, 10);
    let epochs = 0;
    const run = trainReconstructor(data, { epochs: 50, hidden: 8, batchSize: 2, patience: 50, seed: 6 }, { signal: controller.signal, onEpoch: () => { epochs++; if (epochs === 2) controller.abort(); } });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toBe(2);
  });

  it('patch losses equal an independent float64 forward pass of the kept weights', async () => {
    const data = linearData(6, 4, 3, 5, 11);
    const r = await trainReconstructor(data, { epochs: 3, hidden: 8, batchSize: 2, seed: 8 });
    const w = new Map(r.weights.map((x) => [x.name, x.values]));
    const linear = (x: number[], name: string, bias: string, inDim: number, outDim: number) =>
      Array.from({ length: outDim }, (_, o) => x.reduce((s, v, i) => s + v * w.get(name)![i * outDim + o]!, w.get(bias)![o]!));
    const layerNorm = (x: number[], gain: string, bias: string) => {
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
      return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w.get(gain)![i]! + w.get(bias)![i]!);
    };
    // erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7).
    const erf = (x: number) => {
      const t = 1 / (1 + 0.3275911 * Math.abs(x));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
      return Math.sign(x) * y;
    };
    const gelu = (x: number[]) => x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
    const { pre: sPre, post: sPost } = r.standardizers;
    for (let i = 0; i < 6; i++) {
      for (let t = 0; t < 4; t++) {
        const p = Array.from({ length: 5 }, (_, d) => (data.post[(i * 4 + t) * 5 + d]! - sPost.mean[d]!) / sPost.std[d]!);
        const v = Array.from({ length: 3 }, (_, d) => (data.pre[(i * 4 + t) * 3 + d]! - sPre.mean[d]!) / sPre.std[d]!);
        const h1 = gelu(layerNorm(linear(p, 'w1', 'b1', 5, 5), 'ln1_gain', 'ln1_bias'));
        const h2 = gelu(layerNorm(linear(h1, 'w2', 'b2', 5, 8), 'ln2_gain', 'ln2_bias'));
        const out = linear(h2, 'w3', 'b3', 8, 3);
        const loss = out.reduce((s, o, d) => s + (o - v[d]!) ** 2, 0) / 3;
        expect(r.patchLoss.perPatch[i * 4 + t]).toBeCloseTo(loss, 4);
      }
      const mean = Array.from(r.patchLoss.perPatch.slice(i * 4, i * 4 + 4)).reduce((a, b) => a + b, 0) / 4;
      expect(r.patchLoss.perImage[i]).toBeCloseTo(mean, 6);
    }
    // And the loss helper itself against a hand loop.
    const pred = randomArray(2 * 3 * 2, 1);
    const target = randomArray(2 * 3 * 2, 2);
    expect(patchLosses(pred, target, 2, 3, 2).perPatch[4]).toBeCloseTo(((pred[8]! - target[8]!) ** 2 + (pred[9]! - target[9]!) ** 2) / 2, 6);
  });

  it('forward pass output shape of both variants', () => {
    const m = createReconstructor({ tokensPre: 6, tokensPost: 3, dPre: 2, dPost: 4, hidden: 5 }, 1);
    const out = tf.tidy(() => m.forward(tf.zeros([2, 3, 4]) as tf.Tensor3D, false, 0));
    expect(out.shape).toEqual([2, 6, 2]);
    out.dispose();
    m.dispose();
  });
});
