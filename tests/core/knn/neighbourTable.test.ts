/**
 * The neighbour table gives exactly kNearest's lists (the reference, itself tested against brute
 * force in nearest.test.ts) for every k up to kMax, both metrics and both self modes: with no
 * candidate source, with the dot-product kernel's products (core/knn/kernelCandidates.ts, the
 * app's source), with ONNX Runtime's float32 matrix products (ml/gemmCandidates.ts, in Node),
 * and with a source that proposes the wrong candidates, whose rows certification must catch.
 * Data with exact ties, duplicates and zero vectors on purpose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelCandidates } from '../../../src/core/knn/kernelCandidates.ts';
import { kNearest } from '../../../src/core/knn/nearest.ts';
import { buildNeighbourTable, selectNeighbours, type CandidateSource, type NeighbourTable } from '../../../src/core/knn/neighbourTable.ts';
import { seededRandom } from '../../../src/core/random.ts';
import type { Metric } from '../../../src/core/types.ts';
import { gemmCandidates } from '../../../src/ml/gemmCandidates.ts';

const METRICS: readonly Metric[] = ['cosine', 'l2'];

/** Every k the table answers, both metrics, both self modes: the same lists as kNearest. */
function expectSameAsKNearest(table: NeighbourTable, x: Float32Array, n: number, dim: number, ks?: readonly number[]): void {
  for (const metric of METRICS) {
    for (const includeSelf of [false, true]) {
      const limit = Math.min(table.kMax, includeSelf ? n : n - 1);
      for (const k of ks ?? Array.from({ length: limit }, (_, a) => a + 1)) {
        if (k > limit) continue;
        expect(Array.from(selectNeighbours(table, k, metric, includeSelf)), `${metric}, k ${k}, self ${includeSelf}`).toEqual(
          Array.from(kNearest(x, n, dim, k, metric, includeSelf)),
        );
      }
    }
  }
}

/** Clusters around a few centres, exact duplicates, a zero vector, and rows equal up to scale (cosine ties). */
function structured(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: 5 }, () => Float32Array.from({ length: dim }, () => random() * 2 - 1));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length]!;
    for (let d = 0; d < dim; d++) x[i * dim + d] = c[d]! + (random() - 0.5) * 0.3;
  }
  x.copyWithin(7 * dim, 3 * dim, 4 * dim); // 7 duplicates 3
  x.copyWithin(20 * dim, 3 * dim, 4 * dim); // and 20 too
  x.fill(0, 11 * dim, 12 * dim); // a zero vector
  for (let d = 0; d < dim; d++) x[30 * dim + d] = 2 * x[5 * dim + d]!; // same direction as 5
  return x;
}

/** Standard normal entries (Box-Muller on the seeded generator). */
function gaussian(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
}

/** Two classes around two centres, the first half of the rows one class and the second half the other: a set sorted by class. */
function twoClassesInOrder(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = [0, 1].map(() => Float32Array.from({ length: dim }, () => random() * 4 - 2));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) x[i * dim + d] = centres[i < n / 2 ? 0 : 1]![d]! + random() - 0.5;
  return x;
}

describe('buildNeighbourTable without a source (exact rows)', () => {
  it('equals kNearest for every k, metric and self mode on random small sets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 14 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        async (n, dim, seed, integers) => {
          const random = seededRandom(seed);
          // Small integers make exact ties common.
          const x = Float32Array.from({ length: n * dim }, () => (integers ? Math.floor(random() * 3) - 1 : random() - 0.5));
          const table = await buildNeighbourTable(x, n, dim, 8);
          expectSameAsKNearest(table, x, n, dim);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('buildNeighbourTable with the dot-product kernel', () => {
  it('equals kNearest on clustered data with duplicates, a zero vector and scaled copies (more rows than one block)', async () => {
    const n = 700;
    const dim = 48;
    const x = structured(n, dim, 3);
    const table = await buildNeighbourTable(x, n, dim, 12, kernelCandidates());
    expectSameAsKNearest(table, x, n, dim, [1, 2, 5, 10, 12]);
    expect(table.exactRows.cosine + table.exactRows.l2).toBeLessThan(n / 10);
  });

  it('equals kNearest on random Gaussian data of a dimension over two chunks', async () => {
    const n = 530;
    const dim = 1031;
    const x = gaussian(n, dim, 9);
    const table = await buildNeighbourTable(x, n, dim, 10, kernelCandidates());
    expectSameAsKNearest(table, x, n, dim, [1, 3, 10]);
  });

  it('needs no second search for a set sorted by class: every pair reaches both rows', async () => {
    const n = 1200;
    const dim = 24;
    const x = twoClassesInOrder(n, dim, 21);
    const table = await buildNeighbourTable(x, n, dim, 40, kernelCandidates());
    expect(table.rowsSearchedAgain).toBe(0);
    expectSameAsKNearest(table, x, n, dim, [1, 10, 40]);
    expect(table.exactRows.cosine + table.exactRows.l2).toBeLessThan(n / 20);
  });

  it('proposes pools that hold what certification assumes: sorted, distinct, and nothing left out above the bound', async () => {
    const n = 610;
    const dim = 33;
    const x = structured(n, dim, 5);
    const width = 11;
    const pools = await kernelCandidates()(x, n, dim, width);
    const keep = width + 16;
    for (const metric of METRICS) {
      pools[metric].forEach((pool, i) => {
        expect(pool.index.length).toBe(keep);
        expect(new Set(pool.index).size).toBe(keep);
        for (let c = 1; c < keep; c++) expect(pool.score[c]!).toBeLessThanOrEqual(pool.score[c - 1]!);
        // The bound is the last one held (its float64 score; the pool holds it as float32).
        expect(Math.fround(pool.bound)).toBe(pool.score[keep - 1]!);
        // Every image left out scores (in float64) at most the bound, up to the float32 products' error.
        const held = new Set(pool.index);
        const norm = (r: number) => Math.hypot(...x.subarray(r * dim, (r + 1) * dim));
        for (let j = 0; j < n; j++) {
          if (held.has(j)) continue;
          let dot = 0;
          for (let d = 0; d < dim; d++) dot += x[i * dim + d]! * x[j * dim + d]!;
          const [ni, nj] = [norm(i), norm(j)];
          const exact = metric === 'cosine' ? (ni === 0 || nj === 0 ? 0 : dot / (ni * nj)) : 2 * dot - nj * nj;
          const slack = (dim + 8) * 2 ** -24 * (metric === 'cosine' ? 1 : 2 * (ni + nj) ** 2) + 1e-9;
          expect(exact, `${metric} row ${i}, image ${j}`).toBeLessThanOrEqual(pool.bound + slack);
        }
      });
    }
  });
});

describe('buildNeighbourTable with ONNX Runtime matrix products', () => {
  it('equals kNearest on clustered data with duplicates, a zero vector and scaled copies (more rows than one block)', async () => {
    const n = 700;
    const dim = 48;
    const x = structured(n, dim, 3);
    const table = await buildNeighbourTable(x, n, dim, 12, gemmCandidates());
    expectSameAsKNearest(table, x, n, dim, [1, 2, 5, 10, 12]);
    // The approximation did the work: certification passed on nearly every row.
    expect(table.exactRows.cosine + table.exactRows.l2).toBeLessThan(n / 10);
  });

  it('equals kNearest on random Gaussian data of a higher dimension', async () => {
    const n = 600;
    const dim = 256;
    const x = gaussian(n, dim, 9);
    const table = await buildNeighbourTable(x, n, dim, 10, gemmCandidates());
    expectSameAsKNearest(table, x, n, dim, [1, 3, 10]);
  });
  it('searches again the rows whose neighbours bunch in one block (a set sorted by class), and still equals kNearest', async () => {
    // Two classes of 600 images each, in order: an image of the second class has most of its
    // neighbours among the 424 of its class in the middle block, more than one block's column top
    // holds, so the first pass leaves it short and the source searches its row again.
    const n = 1200;
    const dim = 24;
    const x = twoClassesInOrder(n, dim, 21);
    const table = await buildNeighbourTable(x, n, dim, 40, gemmCandidates());
    expect(table.rowsSearchedAgain).toBeGreaterThan(100);
    expectSameAsKNearest(table, x, n, dim, [1, 10, 40]);
    // The second search made them certifiable: few or no rows fell back to the exact search.
    expect(table.exactRows.cosine + table.exactRows.l2).toBeLessThan(n / 20);
  });
});

describe('certification', () => {
  it('catches a source that proposes the wrong candidates, and still answers exactly', async () => {
    const n = 40;
    const dim = 5;
    const x = structured(n, dim, 5);
    // Proposes the images furthest in index, with an honest-looking but wrong bound: the rows
    // fail certification (their lists are far from the true neighbours) and are searched exactly.
    const liar: CandidateSource = async (_x, count, _dim, width) => {
      const pool = (i: number) => ({
        index: Int32Array.from({ length: width }, (_, a) => (i + count - 1 - a) % count),
        score: new Float32Array(width).fill(0.5),
        bound: 0.5,
      });
      const pools = Array.from({ length: count }, (_, i) => pool(i));
      return { cosine: pools, l2: pools };
    };
    const table = await buildNeighbourTable(x, n, dim, 6, liar);
    expectSameAsKNearest(table, x, n, dim);
    expect(table.exactRows.cosine).toBeGreaterThan(0);
  });

  it('would be wrong without it: trusting the same source gives other lists', async () => {
    const n = 40;
    const dim = 5;
    const x = structured(n, dim, 5);
    const proposed = (i: number, width: number) => Array.from({ length: width }, (_, a) => (i + n - 1 - a) % n);
    const truth = kNearest(x, n, dim, 6, 'cosine', true);
    const differing = Array.from({ length: n }, (_, i) => i).filter(
      (i) =>
        proposed(i, 7).sort().join() !==
        Array.from(truth.subarray(i * 6, i * 6 + 6))
          .sort()
          .join(),
    );
    expect(differing.length).toBeGreaterThan(n / 2);
  });

  it('answers a k past kMax only through a new table', async () => {
    const x = structured(40, 5, 1);
    const table = await buildNeighbourTable(x, 40, 5, 6);
    expect(() => selectNeighbours(table, 7, 'cosine', false)).toThrow(/invalid k: 7/);
  });
});
