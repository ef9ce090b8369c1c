/**
 * LeanAdam (src/ml/leanAdam.ts) against tfjs's own tf.train.adam: the same weights to the last bit
 * over several steps with changing learning rates, on the cpu and wasm backends, by both of its
 * paths (the fused WebAssembly pass the CPU backends take, and the tensor ops a GPU backend
 * takes); with decoupled weight decay against tf.train.adam followed by tf.mul; a variable larger
 * than the fused pass's chunk; a copy taken before a step keeps its values; no tensors left.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { LeanAdam } from '../../src/ml/leanAdam.ts';
import { setLearningRate } from '../support/tfAdam.ts';
import { uniformArray } from '../support/uniformArray.ts';

afterAll(async () => {
  await tf.setBackend('cpu');
});

type Optimiser = 'tfjs' | 'fused' | 'tensor-ops';

/** Weights after six steps; with `decayFirst`, the first variable also shrinks by 1 - lr * 0.01 after each step. */
function run(kind: Optimiser, shapes: readonly (readonly number[])[], decayFirst = false): Float32Array[] {
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
  const lean = new LeanAdam({ tensorOpsOnly: kind === 'tensor-ops' });
  for (let step = 0; step < 6; step++) {
    const lr = 1e-3 * (step + 1) * (step % 2 === 0 ? 1 : 0.3);
    // Some gradients exactly zero: the step is then 0 / epsilon-dominated denominators.
    const grads = vars.map((v, i) =>
      tf.tidy(() => tf.mul(tf.tensor(uniformArray(v.size, 100 * step + i), v.shape), tf.greater(tf.tensor(uniformArray(v.size, 7 * step + i), v.shape), -0.8))),
    );
    const factor = 1 - lr * 0.01;
    if (kind === 'tfjs') {
      setLearningRate(tfAdam, lr);
      tfAdam.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      if (decayFirst) tf.tidy(() => vars[0]!.assign(tf.mul(vars[0]!, factor)));
    } else
      lean.apply(
        lr,
        vars.map((v, i) => [v, grads[i]!] as const),
        decayFirst ? { variables: new Set([vars[0]!]), factor } : undefined,
      );
    grads.forEach((g) => g.dispose());
  }
  const out = vars.map((v) => new Float32Array(v.dataSync() as Float32Array));
  tfAdam.dispose();
  lean.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

const SMALL = [[5, 7], [7], [3, 4]] as const;

describe('LeanAdam', () => {
  for (const backend of ['cpu', 'wasm'] as const)
    for (const kind of ['fused', 'tensor-ops'] as const) {
      it(`moves every weight exactly as tf.train.adam does (${backend}, ${kind})`, async () => {
        await tf.setBackend(backend);
        await tf.ready();
        const before = tf.memory().numTensors;
        const reference = run('tfjs', SMALL);
        const lean = run(kind, SMALL);
        expect(lean.map((a) => Array.from(a))).toEqual(reference.map((a) => Array.from(a)));
        // Not a no-op: the weights moved.
        expect(Array.from(reference[0]!)).not.toEqual(Array.from(uniformArray(35, 10)));
        expect(tf.memory().numTensors).toBe(before);
      });

      it(`decays as tf.train.adam followed by tf.mul does (${backend}, ${kind})`, async () => {
        await tf.setBackend(backend);
        await tf.ready();
        const reference = run('tfjs', SMALL, true);
        const lean = run(kind, SMALL, true);
        expect(lean.map((a) => Array.from(a))).toEqual(reference.map((a) => Array.from(a)));
        // The decay acted: without it the first variable ends elsewhere.
        expect(Array.from(run('tfjs', SMALL)[0]!)).not.toEqual(Array.from(reference[0]!));
      });
    }

  it('gives the tensor ops’ values on a variable larger than a chunk (wasm), and leaves a copy taken before the step alone', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const shapes = [[1031, 1024]] as const; // 1,055,744 values: one full chunk of 2^20 and a part one, not a multiple of 4
    const fused = run('fused', shapes)[0]!;
    const ops = run('tensor-ops', shapes)[0]!;
    // Counted, not compared with toEqual: a failing diff of a million values would take minutes to print.
    expect(fused.length).toBe(ops.length);
    expect(fused.filter((x, i) => !Object.is(x, ops[i])).length).toBe(0);

    const variable = tf.variable(tf.tensor(uniformArray(4099, 3), [4099]));
    const copy = tf.clone(variable);
    const before = Array.from(variable.dataSync());
    const lean = new LeanAdam();
    const gradient = tf.tensor(uniformArray(4099, 4), [4099]);
    lean.apply(1e-2, [[variable, gradient]]);
    expect(Array.from(variable.dataSync())).not.toEqual(before);
    expect(Array.from(copy.dataSync())).toEqual(before);
    tf.dispose([variable, copy, gradient]);
    lean.dispose();
  });
});
