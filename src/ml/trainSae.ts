/**
 * Train a TopK sparse autoencoder (core/sae/topkSae.ts) with tfjs, as Gao et al. (2024, "Scaling
 * and evaluating sparse autoencoders") train theirs and the second paper's SAEs are trained:
 * - decoder rows initialised at random unit directions, the encoder tied to them (W_enc = W_decᵀ),
 *   b_dec at the data's mean, b_enc at 0; decoder rows renormalised to unit length after each step;
 * - Adam (tf.train.adam's arithmetic, ml/leanAdam.ts) with a linear warm-up and cosine decay;
 * - dead latents (none of the last `deadAfter` inputs fired them) are trained back by the AuxK
 *   loss: the dead latents' own top `auxK` reconstruct the main reconstruction's residual,
 *   normalised by the residual's size, weighted by `auxCoefficient`.
 * The TopK selection and the residual are computed outside the gradient tape and enter it as
 * constants: tfjs has no gradient for TopK and no stop-gradient, and neither should carry one.
 * Yields between steps so a worker hears Cancel; an aborted signal rejects with an 'AbortError'
 * after every tensor it made has been disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom, shuffledIndices, fillGaussian } from '../core/random.ts';
import type { TopKSae } from '../core/sae/topkSae.ts';
import { warmupCosine } from '../core/stats/lrSchedule.ts';
import { matMulTrainable } from './denseMatMul.ts';
import { LeanAdam } from './leanAdam.ts';
import { abortError } from './abortError.ts';
import { yieldToEventLoop } from '../core/yieldToEventLoop.ts';

export interface SaeConfig {
  /** Dictionary size m. */
  readonly latents: number;
  /** Active latents per input. */
  readonly k: number;
  /** Optimiser steps. */
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly warmupFraction: number;
  readonly seed: number;
  /** Inputs without firing after which a latent counts as dead. */
  readonly deadAfter: number;
  /** How many dead latents the AuxK loss lets reconstruct the residual (at most the dead ones there are). */
  readonly auxK: number;
  readonly auxCoefficient: number;
}

export const DEFAULT_SAE_CONFIG: SaeConfig = {
  latents: 256,
  k: 8,
  steps: 2000,
  batchSize: 256,
  lr: 4e-3,
  warmupFraction: 0.05,
  seed: 11,
  deadAfter: 4096,
  auxK: 64,
  auxCoefficient: 1 / 32,
};

/** Throws a RangeError naming the first config value that would make training meaningless. */
export function validateSaeConfig(c: SaeConfig): void {
  const bad = (name: string, value: number) => new RangeError(`invalid ${name}: ${value}`);
  for (const key of ['latents', 'k', 'steps', 'batchSize', 'deadAfter', 'auxK'] as const) if (!Number.isInteger(c[key]) || c[key] < 1) throw bad(key, c[key]);
  if (c.k > c.latents) throw bad('k', c.k);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw bad('lr', c.lr);
  if (!(c.warmupFraction >= 0 && c.warmupFraction <= 1)) throw bad('warmupFraction', c.warmupFraction);
  if (!(c.auxCoefficient >= 0 && Number.isFinite(c.auxCoefficient))) throw bad('auxCoefficient', c.auxCoefficient);
  if (!Number.isFinite(c.seed)) throw bad('seed', c.seed);
}

export interface SaeStepReport {
  readonly step: number;
  readonly steps: number;
  /** Mean squared error of this batch, in scaled units (normalised: 1 is as bad as predicting the mean). */
  readonly loss: number;
  /** Share of latents dead at this step. */
  readonly deadShare: number;
  readonly elapsedMs: number;
}

export interface SaeHooks {
  readonly signal?: AbortSignal;
  readonly onStep?: (report: SaeStepReport) => void;
}

export interface SaeOutcome {
  readonly sae: TopKSae;
  /** Per step, the batch's normalised reconstruction error. */
  readonly loss: number[];
  readonly backend: string;
}

/** s and the mean of s·x: the scale that makes a centred input's mean squared norm d. */
function scaleOf(x: Float32Array, n: number, d: number): { scale: number; mean: Float32Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c]! += x[i * d + c]! / n;
  let squared = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) squared += (x[i * d + c]! - mean[c]!) ** 2;
  const perRow = squared / n;
  const scale = perRow > 0 ? Math.sqrt(d / perRow) : 1;
  return { scale, mean: Float32Array.from(mean, (v) => v * scale) };
}

/** 0/1 mask of each row's k largest positive entries (ties may let a few more through: harmless). */
function topKMask(values: tf.Tensor2D, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const kth = tf.slice(tf.topk(values, k).values, [0, k - 1], [-1, 1]);
    return tf.logicalAnd(tf.greaterEqual(values, kth), tf.greater(values, 0)).cast('float32') as tf.Tensor2D;
  });
}

export async function trainSae(x: Float32Array, n: number, d: number, config: Partial<SaeConfig> = {}, hooks: SaeHooks = {}): Promise<SaeOutcome> {
  const c: SaeConfig = { ...DEFAULT_SAE_CONFIG, ...config };
  validateSaeConfig(c);
  if (x.length !== n * d) throw new RangeError(`trainSae: ${x.length} values are not ${n} rows of ${d}`);
  if (n < 2) throw new RangeError(`trainSae: ${n} inputs (need at least 2)`);
  if (hooks.signal?.aborted) throw abortError('training cancelled');
  const m = c.latents;
  const { scale, mean } = scaleOf(x, n, d);
  const random = seededRandom(c.seed);
  const decoderInit = fillGaussian(new Float32Array(m * d), random);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let q = 0; q < d; q++) s += decoderInit[j * d + q]! ** 2;
    const norm = Math.sqrt(s) || 1;
    for (let q = 0; q < d; q++) decoderInit[j * d + q]! /= norm;
  }
  const data = tf.tidy(() => tf.mul(tf.tensor2d(x, [n, d]), scale) as tf.Tensor2D);
  // tf.variable keeps its own copy; tidy frees the initial tensors (variables outlive it).
  const [wDec, wEnc, bEnc, bDec] = tf.tidy(() => {
    const decoder = tf.variable(tf.tensor2d(decoderInit, [m, d]), true, 'wDec');
    return [
      decoder,
      tf.variable(tf.transpose(decoder), true, 'wEnc'),
      tf.variable(tf.zeros([m]), true, 'bEnc'),
      tf.variable(tf.tensor1d(mean), true, 'bDec'),
    ] as const;
  });
  const variables = [wEnc, bEnc, wDec, bDec];
  // tf.train.adam's arithmetic, in one fused pass per variable on a CPU backend (ml/leanAdam.ts).
  const optimizer = new LeanAdam({ beta1: 0.9, beta2: 0.999 });
  const sinceFired = new Float64Array(m);
  const loss: number[] = [];
  const batch = Math.min(c.batchSize, n);
  const warmup = Math.max(1, Math.round(c.steps * c.warmupFraction));
  const shuffle = seededRandom(c.seed ^ 0x2545f491);
  let order = shuffledIndices(n, shuffle);
  let cursor = 0;
  const started = performance.now();
  const preActivation = (xb: tf.Tensor2D) => tf.add(tf.matMul(tf.sub(xb, bDec), wEnc), bEnc) as tf.Tensor2D;
  try {
    for (let step = 0; step < c.steps; step++) {
      if (hooks.signal?.aborted) throw abortError('training cancelled');
      if (cursor + batch > n) {
        order = shuffledIndices(n, shuffle);
        cursor = 0;
      }
      const rows = order.slice(cursor, cursor + batch);
      cursor += batch;
      const lr = warmupCosine(step, c.steps, warmup, c.lr);
      const dead = Float32Array.from(sinceFired, (s) => (s >= c.deadAfter ? 1 : 0));
      const deadCount = dead.reduce((s, v) => s + v, 0);
      const { cost, fired } = tf.tidy(() => {
        const xb = tf.gather(data, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
        // Outside the tape: which latents are active, and the residual the dead ones should explain.
        const pre = preActivation(xb);
        const mask = topKMask(pre, c.k);
        const residual = tf.sub(xb, tf.add(tf.matMul(tf.mul(tf.relu(pre), mask), wDec), bDec));
        const auxK = Math.min(c.auxK, deadCount);
        const auxMask = auxK > 0 ? topKMask(tf.add(pre, tf.mul(tf.sub(tf.tensor1d(dead), 1), 1e9)) as tf.Tensor2D, auxK) : null;
        const residualSize = tf.sum(tf.square(residual));
        const variance = tf.sum(tf.square(tf.sub(xb, tf.mean(xb, 0))));
        const costOf = (): tf.Scalar => {
          // matMulTrainable: the same products, with gradients that keep tfjs-wasm off its slow transposed path (ml/denseMatMul.ts).
          const active = tf.relu(tf.add(matMulTrainable(tf.sub(xb, bDec), wEnc), bEnc));
          const xHat = tf.add(matMulTrainable(tf.mul(active, mask), wDec), bDec);
          const main = tf.div(tf.sum(tf.square(tf.sub(xb, xHat))), variance) as tf.Scalar;
          if (!auxMask) return main;
          const explained = matMulTrainable(tf.mul(active, auxMask), wDec);
          const aux = tf.div(tf.sum(tf.square(tf.sub(residual, explained))), tf.maximum(residualSize, 1e-12));
          return tf.add(main, tf.mul(aux, c.auxCoefficient)) as tf.Scalar;
        };
        const { grads } = tf.variableGrads(costOf, variables);
        optimizer.apply(
          lr,
          variables.map((variable) => [variable, grads[variable.name]!] as const),
        );
        // Concepts stay unit directions: their scale lives in the activations.
        wDec.assign(tf.div(wDec, tf.maximum(tf.norm(wDec, 'euclidean', 1, true), 1e-12)));
        const mainOnly = tf.div(tf.sum(tf.square(residual)), variance);
        return { cost: mainOnly, fired: tf.sum(mask, 0) };
      });
      const [lossValue, firedCounts] = await Promise.all([cost.data(), fired.data()]);
      cost.dispose();
      fired.dispose();
      for (let j = 0; j < m; j++) sinceFired[j] = firedCounts[j]! > 0 ? 0 : sinceFired[j]! + batch;
      loss.push(lossValue[0]!);
      hooks.onStep?.({ step: step + 1, steps: c.steps, loss: lossValue[0]!, deadShare: deadCount / m, elapsedMs: performance.now() - started });
      await yieldToEventLoop();
    }
    const [encoder, encoderBias, decoder, decoderBias] = await Promise.all(variables.map((v) => v.data() as Promise<Float32Array>));
    return {
      sae: { d, latents: m, k: c.k, scale, wEnc: encoder!, bEnc: encoderBias!, wDec: decoder!, bDec: decoderBias! },
      loss,
      backend: tf.getBackend(),
    };
  } finally {
    data.dispose();
    variables.forEach((v) => v.dispose());
    optimizer.dispose();
  }
}
