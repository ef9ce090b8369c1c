/**
 * The reconstructor learns what survives the projection and fails where it does not: checked on
 * synthetic data whose information content is known by construction.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchLosses } from '../../src/core/patches/patchLoss.ts';
import { postTokenOfPatch } from '../../src/core/geometry/connectorGeometry.ts';
import { warmupCosine } from '../../src/core/stats/lrSchedule.ts';
import { createReconstructor, parameterCount, routingMatrix } from '../../src/ml/reconstructorModel.ts';
import { selectTfBackend } from '../../src/ml/tfBackend.ts';
import { isSoftwareAdapter } from '../../src/ml/webGpuAdapter.ts';
import { applyReconstructor } from '../../src/ml/applyReconstructor.ts';
import { splitImages, trainReconstructor, type ReconstructionData } from '../../src/ml/trainReconstructor.ts';
import { setLearningRate } from '../support/tfAdam.ts';
import { uniformArray } from '../support/uniformArray.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** P = V A, token by token: an invertible map (dPost >= dPre), so V is recoverable. */
function linearData(images: number, tokens: number, dPre: number, dPost: number, seed: number, zeroTokens: readonly number[] = []): ReconstructionData {
  const pre = uniformArray(images * tokens * dPre, seed);
  const a = uniformArray(dPre * dPost, seed + 1);
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
    // A quarter of the way through the decay: 0.5 * (1 + cos(pi / 4)).
    expect(warmupCosine(10 + 22.5, 100, 10, 1)).toBeCloseTo(0.5 * (1 + Math.SQRT1_2), 10);
    expect(warmupCosine(4, 100, 10, 3e-3)).toBeCloseTo(1.5e-3, 12);
  });
});

describe('tfjs plumbing', () => {
  it('selectTfBackend skips WebGPU without an adapter and takes WASM, whose training matches cpu', async () => {
    const data = linearData(6, 4, 3, 5, 21);
    const config = { epochs: 4, hidden: 8, batchSize: 2, seed: 3, patience: 4, dropout: 0 };
    const onCpu = await trainReconstructor(data, config);
    try {
      expect(await selectTfBackend()).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      const onWasm = await trainReconstructor(data, config);
      expect(onWasm.backend).toBe('wasm');
      // Different kernels, same arithmetic up to float32 summation order.
      for (let e = 0; e < config.epochs; e++) expect(onWasm.history.trainLoss[e]).toBeCloseTo(onCpu.history.trainLoss[e]!, 4);
      for (let i = 0; i < onCpu.patchLoss.perPatch.length; i++) expect(onWasm.patchLoss.perPatch[i]).toBeCloseTo(onCpu.patchLoss.perPatch[i]!, 3);
      // Without WASM in the list, cpu is what is left in Node (no WebGPU, no OffscreenCanvas).
      expect(await selectTfBackend(['webgpu', 'webgl', 'cpu'])).toBe('cpu');
    } finally {
      await tf.setBackend('cpu');
    }
    expect(tf.getBackend()).toBe('cpu');
  });

  it('isSoftwareAdapter refuses SwiftShader and declared fallback adapters, accepts hardware', () => {
    expect(isSoftwareAdapter({ info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true, info: { vendor: 'apple' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080' } })).toBe(false);
    expect(isSoftwareAdapter({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBe(false);
  });

  it('setting the Adam learning rate really changes the step', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const optimizer = tf.train.adam(0.5);
    const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
    setLearningRate(optimizer, 0);
    optimizer.minimize(loss, false, [w]); // returnCost false: nothing to dispose
    expect(Array.from(w.dataSync())).toEqual([1, -2, 3]);
    setLearningRate(optimizer, 0.01);
    optimizer.minimize(loss, false, [w]); // returnCost false: nothing to dispose
    // Adam's first effective step moves each weight by about lr against the gradient's sign.
    const moved = Array.from(w.dataSync());
    [1 - 0.01, -2 + 0.01, 3 - 0.01].forEach((v, i) => expect(moved[i]).toBeCloseTo(v, 3));
    optimizer.dispose();
    w.dispose();
  });

  it('dropout acts only in training, and is seeded', () => {
    const m = createReconstructor({ tokensPre: 4, tokensPost: 4, dPre: 3, dPost: 5, hidden: 16 }, 1, { dropout: 0.5 });
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 3) as tf.Tensor3D;
    const run = (training: boolean, seed: number) => tf.tidy(() => Array.from(m.forward(x, training, seed).dataSync()));
    expect(run(false, 1)).toEqual(run(false, 2));
    expect(run(true, 1)).toEqual(run(true, 1));
    expect(run(true, 1)).not.toEqual(run(true, 2));
    expect(run(true, 1)).not.toEqual(run(false, 1));
    x.dispose();
    m.dispose();
    expect(() => createReconstructor({ tokensPre: 1, tokensPost: 1, dPre: 1, dPost: 1, hidden: 1 }, 1, { dropout: 1 })).toThrow(RangeError);
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
    const unrelated = await trainReconstructor({ ...data, post: uniformArray(data.post.length, 99) }, config);
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

  it('on large images trains a token-wise model on a sample of each image’s patches, and still finds the destroyed ones', async () => {
    const data = linearData(12, 8, 6, 10, 4, [2, 5]);
    const config = { epochs: 60, hidden: 32, batchSize: 4, lr: 3e-3, patience: 60, seed: 2 };
    const before = tf.memory().numTensors;
    // 4 images x 8 patches x 10 values = 320 per batch; at most 120: 3 of 8 patches an image.
    const sampled = await trainReconstructor(data, { ...config, maxStepValues: 120 });
    expect(tf.memory().numTensors).toBe(before);
    const whole = await trainReconstructor(data, config);
    expect(sampled.patchesPerStep).toBe(3);
    expect(whole.patchesPerStep).toBe(8);
    expect(sampled.history.trainLoss).not.toEqual(whole.history.trainLoss);
    // Validation and the per-patch losses still see every patch of every image.
    expect(sampled.patchLoss.perPatch.length).toBe(12 * 8);
    const perToken = new Float64Array(8);
    for (let i = 0; i < 12; i++) for (let t = 0; t < 8; t++) perToken[t]! += sampled.patchLoss.perPatch[i * 8 + t]! / 12;
    const lost = (perToken[2]! + perToken[5]!) / 2;
    const kept = [0, 1, 3, 4, 6, 7].reduce((s, t) => s + perToken[t]!, 0) / 6;
    console.log(`sampled patches: destroyed tokens ${lost.toFixed(3)}, kept tokens ${kept.toFixed(3)}`);
    expect(lost).toBeGreaterThan(3 * kept);
  });

  it("maps T' tokens to T with the token-mixing variant and still learns", async () => {
    // A 4 x 4 patch grid (T = 16); P token j = mean of the V tokens of 2 x 2 block j, times a
    // matrix (T' = 4), like a pixel-shuffle / merger connector. Only the block means survive.
    const images = 16;
    const pre = uniformArray(images * 16 * 4, 5);
    const post = new Float32Array(images * 4 * 8);
    const a = uniformArray(4 * 8, 6);
    for (let i = 0; i < images; i++)
      for (let j = 0; j < 4; j++) {
        const [br, bc] = [Math.floor(j / 2) * 2, (j % 2) * 2];
        const block = [br * 4 + bc, br * 4 + bc + 1, (br + 1) * 4 + bc, (br + 1) * 4 + bc + 1];
        for (let o = 0; o < 8; o++) {
          let s = 0;
          for (let d = 0; d < 4; d++) s += (block.reduce((m, t) => m + pre[(i * 16 + t) * 4 + d]!, 0) / 4) * a[d * 8 + o]!;
          post[(i * 4 + j) * 8 + o] = s;
        }
      }
    const data: ReconstructionData = { pre, post, images, tokensPre: 16, tokensPost: 4, dPre: 4, dPost: 8 };
    const config = { epochs: 40, hidden: 16, batchSize: 4, lr: 3e-3, patience: 40, seed: 3 };
    const r = await trainReconstructor(data, config);
    // The same with the token-axis projection seeded from the merger geometry.
    const tokenSource = Int32Array.from({ length: 16 }, (_, t) => postTokenOfPatch({ family: 'merger', mergeSize: 2 }, [4, 4], t)!);
    const routed = await trainReconstructor({ ...data, tokenSource }, config);
    const [bestVal, bestRouted] = [Math.min(...r.history.valLoss), Math.min(...routed.history.valLoss)];
    console.log(
      `token-mixing train loss: epoch 1 ${r.history.trainLoss[0]!.toFixed(3)}, last ${r.history.trainLoss.at(-1)!.toFixed(3)}; best val ${bestVal.toFixed(3)}, with geometry routing ${bestRouted.toFixed(3)} (floor 0.75: only block means survive)`,
    );
    expect(bestRouted).toBeLessThan(0.97);
    expect(bestRouted).toBeLessThan(bestVal - 0.05);
    expect(r.architecture.kind).toBe('token-mixing-mlp');
    expect(r.patchLoss.perPatch.length).toBe(images * 16);
    expect(r.patchLoss.tokens).toBe(16);
    expect(r.patchLoss.perPatch.every(Number.isFinite)).toBe(true);
    expect(r.history.trainLoss.at(-1)!).toBeLessThan(r.history.trainLoss[0]! * 0.8);
    expect(r.architecture.params).toBe(parameterCount({ tokensPre: 16, tokensPost: 4, dPre: 4, dPost: 8, hidden: 16 }));
    // The kept weights are exactly the model's parameters.
    expect(r.weights.reduce((n, w) => n + w.values.length, 0)).toBe(r.architecture.params);
    expect(r.standardizers.pre.dim).toBe(4);
    // Under a bound a batch exceeds (4 x 4 x 8 = 128 values), a mixing model still trains on every
    // patch (it needs all post tokens); only evaluation goes an image at a time, with the same losses.
    const bounded = await trainReconstructor(data, { ...config, maxStepValues: 40 });
    expect(bounded.patchesPerStep).toBe(16);
    expect(bounded.history.trainLoss).toEqual(r.history.trainLoss);
    expect(bounded.bestEpoch).toBe(r.bestEpoch);
    bounded.patchLoss.perPatch.forEach((v, i) => expect(v).toBeCloseTo(r.patchLoss.perPatch[i]!, 6));
  });

  it('stops early, restores the best weights, and reports losses consistent with them', async () => {
    const data = { ...linearData(8, 4, 4, 6, 7), post: uniformArray(8 * 4 * 6, 8) };
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
    const perEpoch: number[] = [];
    const a = await trainReconstructor(
      data,
      { epochs: 5, hidden: 8, batchSize: 2, seed: 5, patience: 5 },
      { onEpoch: () => perEpoch.push(tf.memory().numTensors) },
    );
    const after = tf.memory().numTensors;
    expect(perEpoch.length).toBe(5);
    expect(new Set(perEpoch).size).toBe(1); // constant across epochs
    expect(a.backend).toBe('cpu');
    // Two models alive at once (a cancelled run disposing while the next starts) must not clash
    // over tfjs's global variable names, and interleaving must not change either result.
    const [b, c] = await Promise.all([0, 1].map(() => trainReconstructor(data, { epochs: 5, hidden: 8, batchSize: 2, seed: 5, patience: 5 })));
    expect(b!.history).toEqual(a.history);
    expect(c!.history).toEqual(a.history);
    expect(b!.patchLoss.perPatch).toEqual(a.patchLoss.perPatch);
    expect(after).toBe(before);
  });

  it('reports every optimiser step, in order, out of epochs x batches per epoch', async () => {
    // 10 images, validation fraction 0.2: 8 train, batch 3 -> 3 steps an epoch, 4 epochs -> 12.
    const data = linearData(10, 4, 3, 5, 11);
    const steps: { step: number; steps: number; epoch: number }[] = [];
    const epochEnds: number[] = [];
    const r = await trainReconstructor(
      data,
      { epochs: 4, hidden: 8, batchSize: 3, patience: 4, seed: 3, validationFraction: 0.2 },
      { onStep: ({ step, steps: total, epoch }) => steps.push({ step, steps: total, epoch }), onEpoch: () => epochEnds.push(steps.length) },
    );
    const perEpoch = Math.ceil(r.split.train.length / 3);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 4 * perEpoch }, (_, i) => i + 1));
    expect(new Set(steps.map((s) => s.steps))).toEqual(new Set([4 * perEpoch]));
    expect(steps.map((s) => s.epoch)).toEqual(steps.map((_, i) => Math.floor(i / perEpoch) + 1));
    // Each epoch's report follows its last step.
    expect(epochEnds).toEqual([1, 2, 3, 4].map((e) => e * perEpoch));
  });

  it('stops within a batch when cancelled', async () => {
    const controller = new AbortController();
    const data = linearData(8, 4, 3, 5, 10);
    let epochs = 0;
    const run = trainReconstructor(
      data,
      { epochs: 50, hidden: 8, batchSize: 2, patience: 50, seed: 6 },
      {
        signal: controller.signal,
        onEpoch: () => {
          epochs++;
          if (epochs === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toBe(2);
  });

  it('stops mid-epoch, within one batch of the abort, and disposes everything', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    // 32 training images, one per batch: an epoch is 32 batches.
    const data = linearData(40, 4, 3, 5, 12);
    let epochs = 0;
    const run = trainReconstructor(data, { epochs: 5, hidden: 8, batchSize: 1, seed: 6 }, { signal: controller.signal, onEpoch: () => epochs++ });
    // The trainer yields to the event loop after each batch, so this fires after the first one.
    setTimeout(() => controller.abort(), 0);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    // An already-aborted signal rejects at once.
    await expect(trainReconstructor(data, {}, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('"Finish now" ends training after the step under way and scores every image with the weights it has', async () => {
    // 32 training images, one per batch: an epoch is 32 steps, so step 5 is mid-epoch 1.
    const data = linearData(40, 4, 3, 5, 12);
    const config = { epochs: 5, hidden: 8, batchSize: 1, seed: 6, patience: 5 };
    const finish = new AbortController();
    const steps: number[] = [];
    const scored: { done: number; total: number }[] = [];
    const before = tf.memory().numTensors;
    const r = await trainReconstructor(data, config, {
      finish: finish.signal,
      onStep: ({ step }) => {
        steps.push(step);
        if (step === 5) finish.abort();
      },
      onEvaluate: (report) => scored.push(report),
    });
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    expect(r.finishedAfterStep).toBe(5);
    expect(r.history.valLoss).toEqual([]); // no epoch ended: nothing was validated
    expect(r.bestEpoch).toBe(0);
    // The losses are those of the weights it returns (the ones it trained for five steps), scored
    // independently by the apply path on every image.
    const again = await applyReconstructor(data, { weights: r.weights, standardizers: r.standardizers });
    r.patchLoss.perPatch.forEach((v, i) => expect(v).toBeCloseTo(again.perPatch[i]!, 5));
    // And they are not the untrained model's: five steps moved the weights.
    const untrained = await trainReconstructor(data, config, { finish: AbortSignal.abort() });
    expect(untrained.finishedAfterStep).toBe(1); // honoured from the first step on, never before it
    expect(Array.from(untrained.patchLoss.perImage)).not.toEqual(Array.from(r.patchLoss.perImage));
    // The final pass reports every image, from 0 to all of them, in order.
    expect(scored[0]).toEqual({ done: 0, total: 40 });
    expect(scored.at(-1)).toEqual({ done: 40, total: 40 });
    expect(scored.map((s) => s.done)).toEqual([...scored.map((s) => s.done)].sort((a, b) => a - b));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('"Finish now" after an epoch keeps the best validated weights, not the part epoch\'s', async () => {
    const data = linearData(40, 4, 3, 5, 12);
    const config = { epochs: 5, hidden: 8, batchSize: 1, seed: 6, patience: 5 };
    const finish = new AbortController();
    const r = await trainReconstructor(data, config, {
      finish: finish.signal,
      onStep: ({ step }) => {
        if (step === 32 + 3) finish.abort(); // three steps into epoch 2
      },
    });
    expect(r.finishedAfterStep).toBe(35);
    expect(r.history.valLoss.length).toBe(1);
    expect(r.bestEpoch).toBe(1);
    // Mean patch loss over the validation images == epoch 1's validation loss: its weights were restored.
    const val = Array.from(r.split.validation);
    const meanVal = val.reduce((s, i) => s + r.patchLoss.perImage[i]!, 0) / val.length;
    expect(meanVal).toBeCloseTo(r.history.valLoss[0]!, 4);
  });

  it('rejects configs that would loop forever or mean nothing', async () => {
    const data = linearData(4, 2, 2, 2, 13);
    await expect(trainReconstructor(data, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(trainReconstructor(data, { validationFraction: 1 })).rejects.toThrow(/validationFraction/);
    await expect(trainReconstructor(data, { lr: 0 })).rejects.toThrow(/lr/);
    await expect(trainReconstructor({ ...data, images: 5 })).rejects.toThrow(/pre tokens/);
    const before = tf.memory().numTensors;
    const merged = { ...data, tokensPost: 1, post: new Float32Array(4 * 2), tokenSource: [0, 3] };
    await expect(trainReconstructor(merged)).rejects.toThrow(/tokenSource/);
    expect(tf.memory().numTensors).toBe(before); // nothing leaked on the way out
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
    const pred = uniformArray(2 * 3 * 2, 1);
    const target = uniformArray(2 * 3 * 2, 2);
    expect(patchLosses(pred, target, 2, 3, 2).perPatch[4]).toBeCloseTo(((pred[8]! - target[8]!) ** 2 + (pred[9]! - target[9]!) ** 2) / 2, 6);
  });

  it('routing matrix: one-hot from the geometry, uniform where there is none', () => {
    expect(Array.from(routingMatrix([1, 0, -1], 2))).toEqual([0, 1, 0.5, 1, 0, 0.5]);
    expect(() => routingMatrix([2], 2)).toThrow(RangeError);
  });

  it('forward pass output shape of both variants', () => {
    const m = createReconstructor({ tokensPre: 6, tokensPost: 3, dPre: 2, dPost: 4, hidden: 5 }, 1);
    const out = tf.tidy(() => m.forward(tf.zeros([2, 3, 4]) as tf.Tensor3D, false, 0));
    expect(out.shape).toEqual([2, 6, 2]);
    out.dispose();
    m.dispose();
  });
});
