/**
 * LeanAdam (src/ml/leanAdam.ts) against tfjs's own tf.train.adam: the same weights to the last bit
 * over several steps with changing learning rates, on the cpu and wasm backends, and no tensors left.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { LeanAdam } from '../../src/ml/leanAdam.ts';
import { setLearningRate } from '../../src/ml/trainReconstructor.ts';
import { uniformArray } from '../support/uniformArray.ts';

afterAll(async () => {
  await tf.setBackend('cpu');
});

function run(kind: 'tfjs' | 'lean'): Float32Array[] {
  const shapes = [[5, 7], [7], [3, 4]] as const;
  const vars = shapes.map((shape, i) =>
    tf.tidy(() =>
      tf.variable(
        tf.tensor(
          uniformArray(
            shape.reduce((a, b) => a * b, 1),
            10 + i,
          ),
          [...shape],
        ),
      ),
    ),
  );
  const tfAdam = tf.train.adam(1e-3);
  const lean = new LeanAdam();
  for (let step = 0; step < 6; step++) {
    const lr = 1e-3 * (step + 1) * (step % 2 === 0 ? 1 : 0.3);
    const grads = vars.map((v, i) => tf.tensor(uniformArray(v.size, 100 * step + i), v.shape));
    if (kind === 'tfjs') {
      setLearningRate(tfAdam, lr);
      tfAdam.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
    } else
      lean.apply(
        lr,
        vars.map((v, i) => [v, grads[i]!] as const),
      );
    grads.forEach((g) => g.dispose());
  }
  const out = vars.map((v) => v.dataSync() as Float32Array).map((a) => new Float32Array(a));
  tfAdam.dispose();
  lean.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

describe('LeanAdam', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`moves every weight exactly as tf.train.adam does (${backend})`, async () => {
      await tf.setBackend(backend);
      await tf.ready();
      const before = tf.memory().numTensors;
      const reference = run('tfjs');
      const lean = run('lean');
      expect(lean.map((a) => Array.from(a))).toEqual(reference.map((a) => Array.from(a)));
      // Not a no-op: the weights moved.
      expect(Array.from(reference[0]!)).not.toEqual(Array.from(uniformArray(35, 10)));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
