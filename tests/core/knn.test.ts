/**
 * KNOR and its parts against independent references: a brute-force neighbour search that sorts
 * every candidate by (distance, index), hand-computed cases, and METHOD.md's self-inclusion note.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knor } from '../../src/core/knn/knor.ts';
import { kNearest, knorBlockedReason } from '../../src/core/knn/nearest.ts';
import { firstNonFinite, meanPool } from '../../src/core/knn/pool.ts';
import type { Metric } from '../../src/core/types.ts';

/**
 * Reference: compute all distances, sort pairs by (distance, index), take k. The distance formula
 * is the same floating-point expression as the product's (so exact ties stay ties in both); what
 * is independent is the selection: a full sort instead of a bounded insertion.
 */
function bruteForce(x: number[][], k: number, metric: Metric, includeSelf: boolean): number[][] {
  const dist = (a: number[], b: number[]) => {
    if (metric === 'l2') return a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
    const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
    const na = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    const nb = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
    return na === 0 || nb === 0 ? 1 : 1 - dot / (na * nb);
  };
  return x.map((a, i) =>
    x
      .map((b, j) => ({ j, d: dist(a, b) }))
      .filter(({ j }) => includeSelf || j !== i)
      .sort((p, q) => p.d - q.d || p.j - q.j)
      .slice(0, k)
      .map(({ j }) => j),
  );
}

function referenceKnor(pre: number[][], post: number[][], k: number): number[] {
  return pre.map((row, i) => row.filter((j) => post[i]!.includes(j)).length / k);
}

// Small integers make exact ties (equal distances) common; duplicates and zero vectors included.
const vectors = (dim: number) => fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: dim, maxLength: dim }), { minLength: 3, maxLength: 14 });

describe('kNearest', () => {
  it('matches brute force with ties, duplicates and zero vectors (both metrics, self on and off)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((dim) => fc.tuple(fc.constant(dim), vectors(dim))),
        fc.constantFrom<Metric>('cosine', 'l2'),
        fc.boolean(),
        fc.integer({ min: 1, max: 13 }),
        ([dim, rows], metric, includeSelf, kWanted) => {
          const n = rows.length;
          const k = Math.min(kWanted, includeSelf ? n : n - 1);
          const got = kNearest(Float32Array.from(rows.flat()), n, dim, k, metric, includeSelf);
          const want = bruteForce(rows, k, metric, includeSelf);
          expect(Array.from(got)).toEqual(want.flat());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('orders points on a line by hand', () => {
    // x = 0, 1, 3, 7: neighbours of 1 are 0 (d=1), 3 (d=4), 7 (d=36).
    const nn = kNearest(Float32Array.of(0, 1, 3, 7), 4, 1, 2, 'l2');
    expect(Array.from(nn)).toEqual([1, 2, 0, 2, 1, 0, 2, 1]);
  });

  it('breaks exact ties toward the lower index', () => {
    // Points 1 and 2 are equidistant from 0; 1 wins.
    const nn = kNearest(Float32Array.of(0, 0, 1, 0, -1, 0), 3, 2, 1, 'l2');
    expect(nn[0]).toBe(1);
  });

  it('rejects a k the collection cannot supply, with a message naming k', () => {
    expect(() => kNearest(new Float32Array(6), 3, 2, 3, 'cosine')).toThrow(/invalid k: 3 \(expected 1\.\.2/);
    expect(() => kNearest(new Float32Array(6), 3, 2, 3, 'cosine', true)).not.toThrow();
    expect(() => kNearest(new Float32Array(5), 3, 2, 1, 'cosine')).toThrow(/invalid embeddings/);
  });
});

describe('knor', () => {
  it('equals the set-overlap reference on random neighbour structures', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((dim) => fc.tuple(fc.constant(dim), vectors(dim), vectors(dim))),
        fc.integer({ min: 1, max: 5 }),
        ([dim, pre, post], kWanted) => {
          const n = Math.min(pre.length, post.length);
          const k = Math.min(kWanted, n - 1);
          const a = pre.slice(0, n);
          const b = post.slice(0, n);
          const nnPre = kNearest(Float32Array.from(a.flat()), n, dim, k, 'l2');
          const nnPost = kNearest(Float32Array.from(b.flat()), n, dim, k, 'l2');
          const got = knor(nnPre, nnPost, n, k);
          const want = referenceKnor(bruteForce(a, k, 'l2', false), bruteForce(b, k, 'l2', false), k);
          want.forEach((v, i) => expect(got.perImage[i]).toBeCloseTo(v, 6));
          expect(got.mean).toBeCloseTo(want.reduce((s, v) => s + v, 0) / n, 6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is 1 for an isometry and counts partial overlap by hand', () => {
    const x = Float32Array.of(0, 1, 3, 7, 15);
    const scaled = x.map((v) => 3 * v + 2); // distances scale, order kept
    const a = kNearest(x, 5, 1, 2, 'l2');
    expect(knor(a, kNearest(scaled, 5, 1, 2, 'l2'), 5, 2).mean).toBe(1);
    // Hand: pre lists {1,2} and post lists {2,3} share one of two.
    expect(knor(Int32Array.of(1, 2), Int32Array.of(2, 3), 1, 2).perImage[0]).toBe(0.5);
  });

  it('counting self (paper-compatible) inflates overlap by exactly 1/k when neighbours are otherwise disjoint', () => {
    // Pre and post neighbour orders disagree completely for k = 1 without self.
    const pre = Float32Array.of(0, 1, 10, 11);
    const post = Float32Array.of(0, 10, 1, 11);
    const without = knor(kNearest(pre, 4, 1, 1, 'l2'), kNearest(post, 4, 1, 1, 'l2'), 4, 1).mean;
    const withSelf = knor(kNearest(pre, 4, 1, 2, 'l2', true), kNearest(post, 4, 1, 2, 'l2', true), 4, 2).mean;
    expect(without).toBe(0);
    expect(withSelf).toBe(0.5);
  });
});

describe('meanPool', () => {
  it('averages tokens per image, by hand', () => {
    // 2 images, 2 tokens, dim 2.
    const pooled = meanPool(Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40), 2, 2, 2);
    expect(Array.from(pooled)).toEqual([2, 3, 20, 30]);
    expect(() => meanPool(new Float32Array(7), 2, 2, 2)).toThrow(/invalid tokens/);
  });
});

describe('knorBlockedReason', () => {
  it('asks for k + 1 images without self and k with self, saying how many more', () => {
    expect(knorBlockedReason(10, 10, false)).toBe('KNOR with k = 10 needs at least 11 images; 10 are embedded. Add 1 more or lower k.');
    expect(knorBlockedReason(1, 5, false)).toBe('KNOR with k = 5 needs at least 6 images; 1 is embedded. Add 5 more or lower k.');
    expect(knorBlockedReason(11, 10, false)).toBeNull();
    expect(knorBlockedReason(10, 10, true)).toBeNull();
  });
});

describe('firstNonFinite', () => {
  it('finds NaN and infinities, and only them', () => {
    expect(firstNonFinite(Float32Array.of(0, 1e30, -3))).toBe(-1);
    expect(firstNonFinite(Float32Array.of(0, Number.NaN, 1))).toBe(1);
    expect(firstNonFinite(Float32Array.of(0, 1, Number.NEGATIVE_INFINITY))).toBe(2);
    expect(firstNonFinite(Float32Array.of(3.4e38 * 10))).toBe(0); // overflow to Infinity in float32
  });
});
