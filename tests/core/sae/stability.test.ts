/**
 * Pairing two SAE dictionaries (core/sae/stability.ts): the Hungarian pairing's summed cosine equals
 * the best over every permutation (brute force, 6 concepts: 720 pairings), and a dictionary that is
 * a shuffled, slightly perturbed copy of the other is paired back to its originals.
 */
import { describe, expect, it } from 'vitest';
import { fillGaussian, seededRandom, shuffledIndices } from '../../../src/core/random.ts';
import { matchDictionaries } from '../../../src/core/sae/stability.ts';
import { rowCosines } from '../../../src/core/sae/topkSae.ts';

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

describe('matchDictionaries', () => {
  it('finds the pairing with the largest summed cosine, as trying every permutation does', () => {
    const m = 6;
    const d = 5;
    for (const seed of [1, 2, 3]) {
      const random = seededRandom(seed);
      const a = fillGaussian(new Float32Array(m * d), random);
      const b = fillGaussian(new Float32Array(m * d), random);
      const cos = rowCosines(a, m, b, m, d);
      const best = Math.max(...permutations(m).map((p) => p.reduce((s, j, i) => s + cos[i * m + j]!, 0)));
      const { partner, cosine } = matchDictionaries(a, b, m, d);
      expect(new Set(partner).size).toBe(m);
      expect(cosine.reduce((s, c) => s + c, 0)).toBeCloseTo(best, 10);
    }
  });

  it('pairs a shuffled, slightly perturbed copy back to its originals', () => {
    const m = 40;
    const d = 16;
    const random = seededRandom(8);
    const a = fillGaussian(new Float32Array(m * d), random);
    const order = shuffledIndices(m, random);
    const b = new Float32Array(m * d);
    order.forEach((from, to) => {
      for (let c = 0; c < d; c++) b[to * d + c] = a[from * d + c]! + 0.05 * (random() - 0.5);
    });
    const { partner, cosine } = matchDictionaries(a, b, m, d);
    order.forEach((from, to) => expect(partner[from]).toBe(to));
    expect(Math.min(...cosine)).toBeGreaterThan(0.99);
  });
});
