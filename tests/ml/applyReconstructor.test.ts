/**
 * A kept reconstructor applied to images afterwards (ml/applyReconstructor.ts) must give exactly
 * what the training run itself computed for those images with its best weights: the training run's
 * own per-patch losses are the reference, for both variants (token-wise, and token-mixing with a
 * perceiver-style T' != T). A subset, in another order, gives the same rows; weights of another
 * shape are refused.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyReconstructor } from '../../src/ml/applyReconstructor.ts';
import { trainReconstructor, type ReconstructionData } from '../../src/ml/trainReconstructor.ts';
import { uniformArray } from '../support/uniformArray.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function data(images: number, tokensPre: number, tokensPost: number, dPre: number, dPost: number, seed: number): ReconstructionData {
  return {
    pre: uniformArray(images * tokensPre * dPre, seed),
    post: uniformArray(images * tokensPost * dPost, seed + 1),
    images,
    tokensPre,
    tokensPost,
    dPre,
    dPost,
  };
}

/** Images `rows` of `d`, in that order. */
function pick(d: ReconstructionData, rows: readonly number[]): ReconstructionData {
  const take = (a: Float32Array, per: number) => {
    const out = new Float32Array(rows.length * per);
    rows.forEach((r, i) => out.set(a.subarray(r * per, (r + 1) * per), i * per));
    return out;
  };
  return { ...d, images: rows.length, pre: take(d.pre, d.tokensPre * d.dPre), post: take(d.post, d.tokensPost * d.dPost) };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('applying a kept reconstructor to images afterwards', () => {
  it.each([
    ['token-wise', 6, 6],
    ['token-mixing (T = 8 -> T\u2032 = 3)', 8, 3],
  ] as const)('%s: equals the training run’s own per-patch losses, for all images and for a reordered subset', async (_, tokensPre, tokensPost) => {
    const d = data(10, tokensPre, tokensPost, 5, 7, 11);
    const trained = await trainReconstructor(d, { epochs: 3, hidden: 16, seed: 3 });
    const kept = { weights: trained.weights, standardizers: trained.standardizers };
    const all = await applyReconstructor(d, kept);
    expect(maxDiff(all.perPatch, trained.patchLoss.perPatch)).toBeLessThan(1e-5);
    expect(maxDiff(all.perImage, trained.patchLoss.perImage)).toBeLessThan(1e-5);
    // Not a constant: the losses differ across patches.
    expect(Math.max(...all.perPatch) - Math.min(...all.perPatch)).toBeGreaterThan(0.01);

    const rows = [7, 2, 9];
    const some = await applyReconstructor(pick(d, rows), kept);
    rows.forEach((r, i) => {
      const want = trained.patchLoss.perPatch.subarray(r * tokensPre, (r + 1) * tokensPre);
      expect(maxDiff(some.perPatch.subarray(i * tokensPre, (i + 1) * tokensPre), want)).toBeLessThan(1e-5);
    });
  });

  it('refuses weights of another shape, naming the weight', async () => {
    const d = data(6, 4, 4, 3, 5, 2);
    const trained = await trainReconstructor(d, { epochs: 1, hidden: 8, seed: 1 });
    const kept = { weights: trained.weights, standardizers: trained.standardizers };
    const wider = data(2, 4, 4, 3, 6, 9); // dPost 6, not 5
    await expect(applyReconstructor(wider, kept)).rejects.toThrow(/weight w1: expected shape \[6, 6\]/);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });
});
