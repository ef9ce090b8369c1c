/**
 * A long neighbour search reports how far it is and stops when its progress callback rejects (the
 * analysis worker's Cancel): shares only grow, stay in [0, 1] and end at 1, for one table through
 * the kernel's candidates, for one searched exactly, and for both tables together; the lists are
 * the same with progress as without; a rejection ends the search with that error.
 */
import { describe, expect, it } from 'vitest';
import { kernelCandidates } from '../../../src/core/knn/kernelCandidates.ts';
import { buildNeighbourTable, selectNeighbours } from '../../../src/core/knn/neighbourTable.ts';
import { neighbourTables } from '../../../src/core/knn/neighbourTables.ts';
import { seededRandom } from '../../../src/core/random.ts';

function gaussianRows(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
}

function expectGrowingToOne(shares: readonly number[], atLeast: number): void {
  expect(shares.length).toBeGreaterThanOrEqual(atLeast);
  for (let i = 1; i < shares.length; i++) expect(shares[i]!).toBeGreaterThanOrEqual(shares[i - 1]!);
  expect(shares[0]!).toBeGreaterThanOrEqual(0);
  expect(shares.at(-1)).toBe(1);
}

describe('neighbour search progress', () => {
  const n = 1100;
  const dim = 24;
  const x = gaussianRows(n, dim, 3);

  it('reports growing shares through the kernel’s candidates and the exact rows, and finds the same lists', async () => {
    const shares: number[] = [];
    const table = await buildNeighbourTable(x, n, dim, 10, kernelCandidates(), (share) => void shares.push(share));
    // 3 blocks of candidates, then a report every 256 rows.
    expectGrowingToOne(shares, 3 + Math.floor(n / 256));
    expect(shares.some((s) => s > 0 && s < 0.7)).toBe(true);
    const quiet = await buildNeighbourTable(x, n, dim, 10, kernelCandidates());
    expect(Array.from(selectNeighbours(table, 10, 'cosine', false))).toEqual(Array.from(selectNeighbours(quiet, 10, 'cosine', false)));
  });

  it('reports growing shares when every row is searched exactly', async () => {
    const shares: number[] = [];
    await buildNeighbourTable(x, n, dim, 10, undefined, (share) => void shares.push(share));
    expectGrowingToOne(shares, Math.floor(n / 256));
  });

  it('weighs both tables into one share', async () => {
    const shares: number[] = [];
    const post = gaussianRows(n, 3 * dim, 4);
    // Both small enough to be searched exactly outright (below EXACT_BELOW).
    await neighbourTables({ pre: x, post, n, dPre: dim, dPost: 3 * dim }, 10, kernelCandidates(), (share) => void shares.push(share));
    expectGrowingToOne(shares, 2 * Math.floor(n / 256));
    // The first table (a quarter of the width) ends a quarter of the way.
    expect(shares).toContain(0.25);
  });

  it('stops with the rejection of its progress callback', async () => {
    const stop = new Error('cancelled here');
    let calls = 0;
    const search = buildNeighbourTable(x, n, dim, 10, kernelCandidates(), (share) => {
      calls++;
      if (share > 0.3) throw stop;
    });
    await expect(search).rejects.toBe(stop);
    // It stopped at the first report past the threshold, not at the end.
    expect(calls).toBeLessThan(3 + Math.floor(n / 256) + 2);
  });
});
