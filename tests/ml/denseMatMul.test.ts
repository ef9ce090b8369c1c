/**
 * The training products of ml/denseMatMul.ts give tf.matMul's values and gradients (tfjs's own
 * gradient of a plain product is the reference), on the cpu backend and on WASM by both of its
 * routes: through XNNPACK (the input gradient through a weight transposed in the heap) and on the
 * project's kernel inside the heap (ml/heapGemm.ts, where relaxed SIMD compiles).
 */
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.ts';
import { linear, linearOnData, matMulTrainable } from '../../src/ml/denseMatMul.ts';
import { allowHeapGemm, heapGemm } from '../../src/ml/heapGemm.ts';
import { selectTfBackend } from '../../src/ml/tfBackend.ts';

const randomMatrix = (rows: number, cols: number, seed: number) => {
  const r = seededRandom(seed);
  return tf.tensor2d(
    Float32Array.from({ length: rows * cols }, () => 2 * r() - 1),
    [rows, cols],
  );
};

function expectClose(actual: tf.Tensor, expected: tf.Tensor, tolerance: number) {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  expect(worst).toBeLessThan(tolerance);
  // Not vacuous: the reference has values well above the tolerance.
  expect(Math.max(...Array.from(e, Math.abs))).toBeGreaterThan(100 * tolerance);
}

/** Value and both gradients of sum(c * f(x, w)) for a random cotangent c. */
function valueAndGrads(f: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, c: tf.Tensor2D) {
  const value = tf.tidy(() => f(x, w));
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor2D), c)))([x, w]);
  return { value, dx: dx!, dw: dw! };
}

async function checkOn(backend: 'cpu' | 'wasm', ownKernel = false) {
  if (backend === 'wasm') expect(await selectTfBackend(['wasm'])).toBe('wasm');
  else await tf.setBackend('cpu');
  allowHeapGemm(ownKernel);
  expect(heapGemm() !== null).toBe(ownKernel);
  const tensorsBefore = tf.memory().numTensors;
  const m = 37;
  const inputs = 53;
  const outputs = 29;
  const x = randomMatrix(m, inputs, 1);
  const wOutIn = randomMatrix(outputs, inputs, 2);
  const wInOut = randomMatrix(inputs, outputs, 3);
  const c = randomMatrix(m, outputs, 4);
  const tol = 1e-4;

  const reference = valueAndGrads((a, b) => tf.matMul(a, b, false, true), x, wOutIn, c);
  const fast = valueAndGrads(linear, x, wOutIn, c);
  expectClose(fast.value, reference.value, tol);
  expectClose(fast.dx, reference.dx, tol);
  expectClose(fast.dw, reference.dw, tol);

  // A weight that is a variable (as in the reconstructor) is used as it is, not saved as a copy.
  const variable = tf.variable(wOutIn);
  const ofVariable = valueAndGrads(linear, x, variable, c);
  expectClose(ofVariable.value, reference.value, tol);
  expectClose(ofVariable.dx, reference.dx, tol);
  expectClose(ofVariable.dw, reference.dw, tol);
  tf.dispose([variable, ofVariable.value, ofVariable.dx, ofVariable.dw]);

  // On data: the same value and weight gradient; the input gradient is not computed.
  const onData = valueAndGrads(linearOnData, x, wOutIn, c);
  expectClose(onData.value, reference.value, tol);
  expectClose(onData.dw, reference.dw, tol);
  expect(Math.max(...Array.from(onData.dx.dataSync(), Math.abs))).toBe(0);

  const plain = valueAndGrads((a, b) => tf.matMul(a, b), x, wInOut, c);
  const trainable = valueAndGrads(matMulTrainable, x, wInOut, c);
  expectClose(trainable.value, plain.value, tol);
  expectClose(trainable.dx, plain.dx, tol);
  expectClose(trainable.dw, plain.dw, tol);
  tf.dispose([x, wOutIn, wInOut, c, reference, fast, onData, plain, trainable].flatMap((t) => (t instanceof tf.Tensor ? [t] : Object.values(t))));
  // The gradients' temporaries (on WASM the transposed weight made outside tfjs's ops) are all freed.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
}

describe('training matrix products', () => {
  beforeAll(() => {
    // Node 20 compiles relaxed SIMD behind a flag (Node 22 and browsers without one).
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  });
  afterAll(async () => {
    allowHeapGemm(true);
    await tf.setBackend('cpu');
  });
  it('equal tf.matMul and its gradients on the cpu backend', async () => {
    await checkOn('cpu');
  });
  it('equal tf.matMul and its gradients on WASM (XNNPACK)', async () => {
    await checkOn('wasm');
  });
  it("equal tf.matMul and its gradients on WASM (the project's kernel in the heap)", async () => {
    await checkOn('wasm', true);
  });
});
