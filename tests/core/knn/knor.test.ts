/**
 * KNOR against an independent reference (neighbours by sorting every pair in exact integer
 * arithmetic, overlap by JavaScript Sets), hand-computed cases, and docs/method.md's note that counting
 * self inflates overlap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knor, knorFromEmbeddings } from '../../../src/core/knn/knor.ts';
import { kNearest } from '../../../src/core/knn/nearest.ts';

type Rows = number[][];

/** Reference k-NN: every pair's exact squared L2 (integer data), sorted by (distance, index). */
function referenceNeighbours(x: Rows, k: number, includeSelf: boolean): number[][] {
  return x.map((a, i) =>
    x
      .map((b, j) => ({ j, d: b.reduce((s, v, t) => s + (v - a[t]!) ** 2, 0) }))
      .filter(({ j }) => includeSelf || j !== i)
      .sort((p, q) => p.d - q.d || p.j - q.j)
      .slice(0, k)
      .map(({ j }) => j),
  );
}

function referenceKnor(pre: number[][], post: number[][], k: number): number[] {
  return pre.map((row, i) => {
    const other = new Set(post[i]);
    return new Set(row.filter((j) => other.has(j))).size / k;
  });
}

// Integer-valued rows with duplicates (values -2..2 in 1-3 dims collide often) and zero vectors.
const pairOfCollections = fc.integer({ min: 2, max: 14 }).chain((n) =>
  fc.tuple(
    fc
      .integer({ min: 1, max: 3 })
      .chain((d) =>
        fc.tuple(fc.constant(d), fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n })),
      ),
    fc
      .integer({ min: 1, max: 4 })
      .chain((d) =>
        fc.tuple(fc.constant(d), fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n })),
      ),
  ),
);

describe('knor', () => {
  it('equals the reference on random collections with ties, for both neighbour modes', () => {
    fc.assert(
      fc.property(pairOfCollections, fc.integer({ min: 1, max: 14 }), fc.boolean(), ([[dPre, pre], [dPost, post]], kWanted, includeSelf) => {
        const n = pre.length;
        const k = Math.min(kWanted, includeSelf ? n : n - 1);
        const got = knorFromEmbeddings(Float32Array.from(pre.flat()), Float32Array.from(post.flat()), n, dPre, dPost, k, 'l2', includeSelf);
        const refPre = referenceNeighbours(pre, k, includeSelf);
        const refPost = referenceNeighbours(post, k, includeSelf);
        expect(Array.from(got.nnPre)).toEqual(refPre.flat());
        expect(Array.from(got.nnPost)).toEqual(refPost.flat());
        const want = referenceKnor(refPre, refPost, k);
        expect(Array.from(got.perImage)).toEqual(want.map((v) => Math.fround(v)));
        expect(got.mean).toBeCloseTo(want.reduce((s, v) => s + v, 0) / n, 12);
      }),
      { numRuns: 400 },
    );
  });

  it("is 1 under an isometry and for k = n - 1 (everyone is everyone else's neighbour)", () => {
    const x = Float32Array.of(0, 1, 3, 7, 15);
    const moved = x.map((v) => 3 * v + 2); // distances scale by 9, order kept
    expect(knor(kNearest(x, 5, 1, 2, 'l2'), kNearest(moved, 5, 1, 2, 'l2'), 5, 2).mean).toBe(1);
    const shuffled = Float32Array.of(9, -4, 0.5, 100, 2);
    expect(knorFromEmbeddings(x, shuffled, 5, 1, 1, 4, 'l2').mean).toBe(1);
  });

  it('matches a hand computation on 4 points on a line', () => {
    // pre x = 0, 1, 3, 7; post y = 0, 10, 11, 1 (same images, moved).
    // k = 1: NN_pre = 1, 0, 1, 2; NN_post = 3, 2, 1, 0 -> only image 2 agrees: 0.25.
    // k = 2: NN_pre = {1,2} {0,2} {1,0} {2,1}; NN_post = {3,1} {2,3} {1,3} {0,1} -> one of two each: 0.5.
    const pre = Float32Array.of(0, 1, 3, 7);
    const post = Float32Array.of(0, 10, 11, 1);
    const k1 = knorFromEmbeddings(pre, post, 4, 1, 1, 1, 'l2');
    expect(Array.from(k1.nnPre)).toEqual([1, 0, 1, 2]);
    expect(Array.from(k1.nnPost)).toEqual([3, 2, 1, 0]);
    expect(Array.from(k1.perImage)).toEqual([0, 0, 1, 0]);
    expect(k1.mean).toBe(0.25);
    const k2 = knorFromEmbeddings(pre, post, 4, 1, 1, 2, 'l2');
    expect(Array.from(k2.perImage)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(k2.mean).toBe(0.5);
  });

  it('counts membership, not order, and a repeated entry once', () => {
    // n = 3, k = 2. Image 0: {1,2} vs {2,1} -> 1. Image 1: {0,2} vs {2,1} -> 0.5. Image 2: {0,1} vs {1,1} -> 0.5.
    const r = knor(Int32Array.of(1, 2, 0, 2, 0, 1), Int32Array.of(2, 1, 2, 1, 1, 1), 3, 2);
    expect(Array.from(r.perImage)).toEqual([1, 0.5, 0.5]);
    expect(r.mean).toBeCloseTo(2 / 3, 12);
  });

  it('validates its arguments with messages naming the problem', () => {
    expect(() => knor(Int32Array.of(1), Int32Array.of(1, 0), 2, 1)).toThrow('invalid neighbour lists: expected 2 entries ([2, 1]), got 1 and 2');
    expect(() => knor(Int32Array.of(1, 5), Int32Array.of(1, 0), 2, 1)).toThrow('invalid pre neighbour lists: entry 1 (image 1) is 5, expected 0..1');
    expect(() => knor(new Int32Array(0), new Int32Array(0), 0, 0)).toThrow('invalid n: 0 (expected a positive integer)');
    expect(() => knorFromEmbeddings(new Float32Array(3), new Float32Array(3), 3, 1, 1, 3, 'l2')).toThrow('invalid k: 3 (expected 1..2 for 3 images)');
  });
});

describe('self-inclusion (paper-compatible switch)', () => {
  it('prepends the query and adds exactly 1/k: KNOR_self(k) = (1 + (k-1) KNOR(k-1)) / k', () => {
    // Distinct points so that the query is its own unique nearest (distance 0).
    const distinct = fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 3, maxLength: 15 });
    fc.assert(
      fc.property(distinct, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 2, max: 14 }), (values, seed, kWanted) => {
        const n = values.length;
        const k = Math.min(kWanted, n);
        const pre = Float32Array.from(values);
        const post = Float32Array.from(values, (v, i) => ((v * seed + i * 31) % 97) + i / 100); // distinct, reordered
        const withSelf = knorFromEmbeddings(pre, post, n, 1, 1, k, 'l2', true);
        const without = knorFromEmbeddings(pre, post, n, 1, 1, k - 1, 'l2', false);
        for (let i = 0; i < n; i++) {
          expect(withSelf.nnPre[i * k]).toBe(i);
          expect(Array.from(withSelf.nnPre.subarray(i * k + 1, (i + 1) * k))).toEqual(Array.from(without.nnPre.subarray(i * (k - 1), (i + 1) * (k - 1))));
          expect(withSelf.perImage[i]).toBeCloseTo((1 + (k - 1) * without.perImage[i]!) / k, 6);
          expect(withSelf.perImage[i]).toBeGreaterThanOrEqual(1 / k - 1e-7);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('turns complete disagreement (0) into 1/k', () => {
    // k = 1 without self: pre pairs (0,1) (2,3); post pairs (0,2) (1,3) -> KNOR 0.
    const pre = Float32Array.of(0, 1, 10, 11);
    const post = Float32Array.of(0, 10, 1, 11);
    expect(knorFromEmbeddings(pre, post, 4, 1, 1, 1, 'l2').mean).toBe(0);
    // k = 2 with self: {self, partner}; only self is shared -> 1/2.
    expect(knorFromEmbeddings(pre, post, 4, 1, 1, 2, 'l2', true).mean).toBe(0.5);
  });
});
