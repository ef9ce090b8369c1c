/** The exported distances are the search's own: sorting every candidate by them gives kNearest's lists. */
import { describe, expect, it } from 'vitest';
import { distancesFromQuery, listedDistances } from '../../../src/core/export/listedDistances.ts';
import { kNearest } from '../../../src/core/knn/nearest.ts';
import { seededRandom } from '../../../src/core/random.ts';

function data(n: number, dim: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  // Few distinct values: many exact ties, where only the search's own arithmetic ranks alike.
  return Float32Array.from({ length: n * dim }, () => Math.round(4 * r()) / 4 - 0.5);
}

describe('listedDistances', () => {
  for (const metric of ['cosine', 'l2'] as const) {
    it(`ranks every candidate as kNearest does (${metric}, ties to the lower index)`, () => {
      const n = 23;
      const dim = 5;
      const x = data(n, dim, 3);
      x.fill(0, 0, dim); // a zero vector
      const all = kNearest(x, n, dim, n, metric, true);
      const d = listedDistances(x, n, dim, all, n, metric);
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: n }, (_, a) => ({ j: all[i * n + a]!, d: d[i * n + a]! }));
        const resorted = [...row].sort((p, q) => p.d - q.d || p.j - q.j);
        expect(resorted.map((c) => c.j)).toEqual(row.map((c) => c.j));
      }
      if (metric === 'cosine') for (let a = 0; a < n; a++) expect(d[a]).toBe(1);
      else expect(d[0]).toBe(0);
    });
  }

  it('refuses lists or vectors of the wrong size', () => {
    const x = data(4, 2, 1);
    expect(() => listedDistances(x, 4, 2, new Int32Array(7), 2, 'l2')).toThrow(/expected 8 entries/);
    expect(() => listedDistances(x, 4, 2, Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2]), 2, 'l2')).toThrow(/is 4, expected 0..3/);
    expect(() => listedDistances(x, 5, 2, new Int32Array(10), 2, 'l2')).toThrow(/invalid vectors/);
  });

  it('from one query: the same distances as the lists give, bit for bit', () => {
    const n = 12;
    const dim = 6;
    const x = data(n, dim, 9);
    for (const metric of ['cosine', 'l2'] as const) {
      const all = kNearest(x, n, dim, n - 1, metric, false);
      const listed = listedDistances(x, n, dim, all, n - 1, metric);
      const query = 4;
      const neighbours = Array.from(all.subarray(query * (n - 1), (query + 1) * (n - 1)), (j) => x.subarray(j * dim, (j + 1) * dim));
      expect(Array.from(distancesFromQuery(x.subarray(query * dim, (query + 1) * dim), neighbours, metric))).toEqual(
        Array.from(listed.subarray(query * (n - 1), (query + 1) * (n - 1))),
      );
    }
    expect(() => distancesFromQuery(new Float32Array(3), [new Float32Array(2)], 'l2')).toThrow(RangeError);
  });
});
