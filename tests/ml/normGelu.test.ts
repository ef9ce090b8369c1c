/**
 * The fused hidden layer (ml/normGelu.ts) on tfjs-wasm: its values equal a float64 computation of
 * the layer's definition (independent of tfjs and of the kernel); its values and all four
 * gradients equal those tfjs's autodiff gives for the same layer as ops (hiddenLayerOps) times
 * the dropout multipliers its JavaScript definition (dropoutMultipliers) draws; those drop values
 * at the rate asked, differently for each seed; it leaves no tensors behind; rows whose width is
 * not a multiple of 4 go through the ops; the committed binaries are what the generator assembles
 * now, and the shared-memory build computes what the unshared one does.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.ts';
import { allowFusedLayer, dropoutMultipliers, dropoutSeedMix, hiddenLayer, hiddenLayerOps, normGeluKernel, type LayerDropout } from '../../src/ml/normGelu.ts';
import { selectTfBackend } from '../../src/ml/tfBackend.ts';
import { NORM_GELU_MODULE_PATH, normGeluModuleSource } from '../../scripts/kernels/build.ts';

const values = (n: number, seed: number, scale = 1) => {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
};

/** erf in float64: its Maclaurin series (error below 1e-9 for |y| <= 4, where erfc(4) is 1.5e-8 beyond it). */
function erf64(y: number): number {
  if (Math.abs(y) > 4) return Math.sign(y);
  let term = y;
  let sum = y;
  for (let n = 1; n < 200; n++) {
    term *= (-y * y) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** The layer without dropout, in float64 from the definition. */
function layer64(z: ArrayLike<number>, bias: ArrayLike<number>, gain: ArrayLike<number>, shift: ArrayLike<number>, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: d }, (_, j) => z[r * d + j]! + bias[j]!);
    const mean = x.reduce((a, b) => a + b, 0) / d;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    const sigma = Math.sqrt(variance + 1e-5);
    for (let j = 0; j < d; j++) {
      const n = ((x[j]! - mean) / sigma) * gain[j]! + shift[j]!;
      out[r * d + j] = 0.5 * n * (1 + erf64(n / Math.SQRT2));
    }
  }
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const maxMagnitude = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

interface Inputs {
  readonly z: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  readonly gain: tf.Tensor1D;
  readonly shift: tf.Tensor1D;
  readonly cotangent: tf.Tensor2D;
}

function inputs(rows: number, d: number, seed: number): Inputs {
  return {
    z: tf.tensor2d(values(rows * d, seed, 3), [rows, d]),
    bias: tf.tensor1d(values(d, seed + 1, 0.5)),
    gain: tf.tensor1d(Float32Array.from(values(d, seed + 2, 0.5), (v) => 1 + v)),
    shift: tf.tensor1d(values(d, seed + 3, 0.5)),
    cotangent: tf.tensor2d(values(rows * d, seed + 4), [rows, d]),
  };
}

type Layer = typeof hiddenLayer;

/** The layer's value and its gradients with respect to z, bias, gain and shift for sum(cotangent * layer). */
function valueAndGrads(layer: Layer, { z, bias, gain, shift, cotangent }: Inputs, dropout: LayerDropout | null) {
  const value = tf.tidy(() => layer(z, bias, gain, shift, dropout));
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(layer(a as tf.Tensor2D, b, c, d, dropout), cotangent)))([
    z,
    bias,
    gain,
    shift,
  ]);
  const read = (t: tf.Tensor) => t.dataSync().slice();
  const result = { value: read(value), grads: grads.map(read) };
  tf.dispose([value, ...grads]);
  return result;
}

describe('the fused hidden layer on tfjs-wasm', () => {
  beforeAll(async () => {
    expect(await selectTfBackend(['wasm'])).toBe('wasm');
  });
  afterAll(async () => {
    allowFusedLayer(true);
    await tf.setBackend('cpu');
  });

  it('is committed as the generator assembles it now (npm run build:kernels)', async () => {
    expect(readFileSync(NORM_GELU_MODULE_PATH, 'utf8')).toBe(await normGeluModuleSource());
  });

  it("equals a float64 computation of the layer's definition", () => {
    const [rows, d] = [9, 36];
    const data = inputs(rows, d, 5);
    const fused = tf.tidy(() => hiddenLayer(data.z, data.bias, data.gain, data.shift, null));
    const reference = layer64(data.z.dataSync(), data.bias.dataSync(), data.gain.dataSync(), data.shift.dataSync(), rows, d);
    const got = fused.dataSync();
    // float32 rounding of O(1) values, and A&S erf's 1.5e-7.
    expect(maxDifference(got, reference)).toBeLessThan(2e-6);
    expect(maxMagnitude(reference)).toBeGreaterThan(1);
    tf.dispose([fused, ...Object.values(data)]);
  });

  it("gives tfjs autodiff's values and gradients, with and without dropout, and leaves no tensors", () => {
    for (const [rows, d, dropout] of [
      [7, 12, null],
      [5, 64, { rate: 0.3, seed: 17 }],
      [3, 256, { rate: 0.1, seed: 4 }],
    ] as const) {
      const data = inputs(rows, d, rows * d);
      const before = tf.memory().numTensors;
      const fused = valueAndGrads(hiddenLayer, data, dropout);
      expect(tf.memory().numTensors).toBe(before);
      // The reference: the layer as ops, without dropout, times the multipliers drawn in JavaScript.
      const multipliers = dropout ? tf.tensor2d(dropoutMultipliers(dropout.seed, rows * d, dropout.rate), [rows, d]) : null;
      const opsTimesMask: Layer = (z, bias, gain, shift) => {
        const h = hiddenLayerOps(z, bias, gain, shift, null);
        return multipliers ? tf.mul(h, multipliers) : h;
      };
      const ops = valueAndGrads(opsTimesMask, data, null);
      multipliers?.dispose();
      const tolerance = 1e-5 * Math.max(1, maxMagnitude(ops.value));
      expect(maxDifference(fused.value, ops.value), `value ${rows}x${d}`).toBeLessThan(tolerance);
      // The same dropped values: exact zeros in the same places.
      expect(Array.from(fused.value, (v) => v === 0)).toEqual(Array.from(ops.value, (v) => v === 0));
      if (dropout) expect(ops.value.filter((v) => v === 0).length).toBeGreaterThan(0);
      for (const [i, name] of ['z', 'bias', 'gain', 'shift'].entries()) {
        const reference = ops.grads[i]!;
        expect(maxDifference(fused.grads[i]!, reference), `d${name} ${rows}x${d}`).toBeLessThan(1e-5 * Math.max(1, maxMagnitude(reference)));
        expect(maxMagnitude(reference), `d${name} is not vacuous`).toBeGreaterThan(1e-3);
      }
      tf.dispose(Object.values(data));
    }
  });

  it('draws dropout at the rate asked, scaled by 1 / keep, and differently for each seed', () => {
    const count = 200_000;
    for (const rate of [0.1, 0.5]) {
      const multipliers = dropoutMultipliers(7, count, rate);
      const dropped = multipliers.filter((m) => m === 0).length / count;
      // Binomial: the standard deviation of the fraction is below 0.0012 here; 5 of them.
      expect(Math.abs(dropped - rate)).toBeLessThan(0.006);
      expect(new Set(multipliers)).toEqual(new Set([0, Math.fround(1 / Math.fround(1 - rate))]));
    }
    const a = dropoutMultipliers(1, 10_000, 0.5);
    const b = dropoutMultipliers(2, 10_000, 0.5);
    const same = a.filter((m, i) => m === b[i]).length / a.length;
    // Independent masks agree on about half the values at rate 0.5.
    expect(Math.abs(same - 0.5)).toBeLessThan(0.03);
    expect(dropoutSeedMix(1)).not.toBe(dropoutSeedMix(2));
  });

  it('goes through the ops (and tf.dropout) where a row is not a multiple of 4 values', () => {
    const data = inputs(4, 6, 3);
    const fused = valueAndGrads(hiddenLayer, data, { rate: 0.2, seed: 1 });
    const ops = valueAndGrads(hiddenLayerOps, data, { rate: 0.2, seed: 1 });
    expect(fused.value).toEqual(ops.value);
    expect(fused.grads).toEqual(ops.grads);
    tf.dispose(Object.values(data));
  });

  it('computes the same on a shared memory (the threaded build) as on an unshared one', () => {
    const [rows, d] = [6, 40];
    const run = (shared: boolean) => {
      const memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 65536, shared: true } : { initial: 2 });
      const heap = new Float32Array(memory.buffer);
      const n = rows * d;
      // Layout in floats: z, bias, gain, shift, (unused), h, xhat, sigmas, dz, dgain, dshift, dbias.
      const at = [
        0,
        n,
        n + d,
        n + 2 * d,
        n + 3 * d,
        2 * n + 3 * d,
        3 * n + 3 * d,
        4 * n + 3 * d,
        4 * n + 3 * d + rows,
        5 * n + 3 * d + rows,
        5 * n + 4 * d + rows,
        5 * n + 5 * d + rows,
      ];
      heap.set(values(n, 1, 3), at[0]!);
      heap.set(values(d, 2), at[1]!);
      heap.set(values(d, 3), at[2]!);
      heap.set(values(d, 4), at[3]!);
      heap.set(
        Float32Array.from(values(n, 5), (v) => (v + 1) / 2),
        at[4]!,
      );
      const b = at.map((floats) => 4 * floats);
      const kernel = normGeluKernel(memory);
      kernel.forward(b[0]!, b[1]!, b[2]!, b[3]!, dropoutSeedMix(9), 1, 0.75, rows, d, b[5]!, b[6]!, b[7]!);
      // The gradient at h: the values at z stand in.
      kernel.backward(b[0]!, b[6]!, b[7]!, b[2]!, b[3]!, dropoutSeedMix(9), 1, 0.75, rows, d, b[8]!, b[9]!, b[10]!, b[11]!);
      return heap.slice(at[5]!, 5 * n + 6 * d + rows);
    };
    const unshared = run(false);
    expect(run(true)).toEqual(unshared);
    expect(maxMagnitude(unshared)).toBeGreaterThan(0.1);
  });
});
