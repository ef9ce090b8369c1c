/**
 * kNearest against brute-force references that select differently (sort every candidate by
 * (distance, index)) and, for L2 on integer vectors, compute distances differently too (exact
 * integer arithmetic), plus hand-computed cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNeighbourArgs, kNearest, knorBlockedReason } from '../../../src/core/knn/nearest.ts';
import type { Metric } from '../../../src/core/types.ts';

type Rows = number[][];

/** Sort candidates by (distance, index), take k. */
function sortedSelect(n: number, i: number, k: number, includeSelf: boolean, dist: (j: number) => number): number[] {
  return Array.from({ length: n }, (_, j) => j)
    .filter((j) => includeSelf || j !== i)
    .map((j) => ({ j, d: dist(j) }))
    .sort((p, q) => (p.d < q.d ? -1 : p.d > q.d ? 1 : p.j - q.j))
    .slice(0, k)
    .map(({ j }) => j);
}

/** Exact squared L2 for integer vectors: integer sums, no rounding anywhere. */
function exactL2Reference(x: Rows, k: number, includeSelf: boolean): number[][] {
  return x.map((a, i) => sortedSelect(x.length, i, k, includeSelf, (j) => x[j]!.reduce((s, v, d) => s + (v - a[d]!) * (v - a[d]!), 0)));
}

/**
 * Cosine with the product's floating-point expression (dot and norms summed in index order,
 * 1 - dot / (|a| |b|), zero vector -> distance 1), so exact ties are the same ties in both: what
 * is independent is the selection.
 */
function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < a.length; d++) {
    dot += a[d]! * b[d]!;
    na += a[d]! * a[d]!;
    nb += b[d]! * b[d]!;
  }
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  return denom === 0 ? 1 : 1 - dot / denom;
}

function cosineReference(x: Rows, k: number, includeSelf: boolean): number[][] {
  return x.map((a, i) => sortedSelect(x.length, i, k, includeSelf, (j) => cosineDistance(a, x[j]!)));
}

// Small integers make exact ties common; duplicated rows and zero vectors are mixed in on purpose.
const tieHeavyRows = (dim: number) =>
  fc
    .tuple(
      fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: dim, maxLength: dim }), { minLength: 2, maxLength: 13 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.boolean(),
    )
    .map(([rows, dupOf, zero]) => {
      const out = rows.map((r) => [...r]);
      for (const d of dupOf) out.splice((d * 7) % (out.length + 1), 0, [...out[d % rows.length]!]);
      if (zero) out.splice(out.length >> 1, 0, new Array<number>(dim).fill(0));
      return out;
    });

const withDim = (rows: (dim: number) => fc.Arbitrary<Rows>) => fc.integer({ min: 1, max: 5 }).chain((dim) => fc.tuple(fc.constant(dim), rows(dim)));

const flat = (x: Rows) => Float32Array.from(x.flat());

describe('kNearest vs brute force', () => {
  it('L2 on integer vectors equals an exact-integer reference, ties to the lower index (self on and off)', () => {
    fc.assert(
      fc.property(withDim(tieHeavyRows), fc.boolean(), fc.integer({ min: 1, max: 20 }), ([dim, rows], includeSelf, kWanted) => {
        const n = rows.length;
        const k = Math.min(kWanted, includeSelf ? n : n - 1);
        const got = kNearest(flat(rows), n, dim, k, 'l2', includeSelf);
        expect(Array.from(got)).toEqual(exactL2Reference(rows, k, includeSelf).flat());
      }),
      { numRuns: 500 },
    );
  });

  it('cosine equals a sort-everything reference, with duplicates and zero vectors (self on and off)', () => {
    fc.assert(
      fc.property(withDim(tieHeavyRows), fc.boolean(), fc.integer({ min: 1, max: 20 }), ([dim, rows], includeSelf, kWanted) => {
        const n = rows.length;
        const k = Math.min(kWanted, includeSelf ? n : n - 1);
        const got = kNearest(flat(rows), n, dim, k, 'cosine', includeSelf);
        expect(Array.from(got)).toEqual(cosineReference(rows, k, includeSelf).flat());
      }),
      { numRuns: 500 },
    );
  });

  it('on continuous data returns a true k-NN set under an independently computed distance', () => {
    // Reference cosine computed as dot / sqrt(|a|^2 |b|^2) (a different rounding path): the
    // returned neighbours must be the k smallest, in order, up to 1e-9 of rounding.
    const floatRows = (dim: number) =>
      fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: dim, maxLength: dim }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(withDim(floatRows), fc.constantFrom<Metric>('cosine', 'l2'), fc.integer({ min: 1, max: 8 }), ([dim, rows32], metric, kWanted) => {
        const x = flat(rows32);
        const rows = Array.from({ length: rows32.length }, (_, i) => Array.from(x.subarray(i * dim, (i + 1) * dim)));
        const n = rows.length;
        const k = Math.min(kWanted, n - 1);
        const dist = (a: number[], b: number[]) => {
          if (metric === 'l2') return a.reduce((s, v, d) => s + (v - b[d]!) ** 2, 0);
          const dot = a.reduce((s, v, d) => s + v * b[d]!, 0);
          const nn = a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0);
          return nn === 0 ? 1 : 1 - dot / Math.sqrt(nn);
        };
        const got = kNearest(x, n, dim, k, metric);
        for (let i = 0; i < n; i++) {
          const list = Array.from(got.subarray(i * k, (i + 1) * k));
          expect(new Set(list).size).toBe(k);
          expect(list).not.toContain(i);
          const ds = list.map((j) => dist(rows[i]!, rows[j]!));
          const tol = 1e-9 * Math.max(1, ...ds);
          for (let a = 1; a < k; a++) expect(ds[a]! + tol).toBeGreaterThanOrEqual(ds[a - 1]!);
          for (let j = 0; j < n; j++) if (j !== i && !list.includes(j)) expect(dist(rows[i]!, rows[j]!) + tol).toBeGreaterThanOrEqual(ds[k - 1]!);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('kNearest by hand', () => {
  it('orders 4 points on a line', () => {
    // x = 0, 1, 3, 7. Squared distances from 1: to 0 -> 1, to 3 -> 4, to 7 -> 36.
    expect(Array.from(kNearest(Float32Array.of(0, 1, 3, 7), 4, 1, 2, 'l2'))).toEqual([1, 2, 0, 2, 1, 0, 2, 1]);
    expect(Array.from(kNearest(Float32Array.of(0, 1, 3, 7), 4, 1, 3, 'l2'))).toEqual([1, 2, 3, 0, 2, 3, 1, 0, 3, 2, 1, 0]);
  });

  it('breaks exact ties toward the lower index', () => {
    // From (0,0), points 1 = (1,0) and 2 = (-1,0) are equally far; 1 wins. From 2, 0 is nearer than 1.
    const nn = kNearest(Float32Array.of(0, 0, 1, 0, -1, 0), 3, 2, 1, 'l2');
    expect(Array.from(nn)).toEqual([1, 0, 0]);
  });

  it('gives a zero vector cosine similarity 0 with everything (distance 1), never NaN', () => {
    // 0 = (1,0), 1 = (0,0), 2 = (0,1), 3 = (-1,0). From 0: zero vector and the orthogonal one both
    // at distance 1 -> [1, 2] (lower index first); 3 is at 2. From the zero vector: all at 1 -> [0, 2].
    // From (0,1): 0, 1 and 3 all at 1 -> [0, 1]. From (-1,0): 1 and 2 at 1, 0 at 2 -> [1, 2].
    const x = Float32Array.of(1, 0, 0, 0, 0, 1, -1, 0);
    expect(Array.from(kNearest(x, 4, 2, 2, 'cosine'))).toEqual([1, 2, 0, 2, 0, 1, 1, 2]);
  });

  it('ranks by angle, not length, under cosine', () => {
    // 0 = (1, 0); 1 = (10, 1) is almost parallel but far; 2 = (1, 1) is close in L2 but at 45 deg.
    const x = Float32Array.of(1, 0, 10, 1, 1, 1);
    expect(kNearest(x, 3, 2, 1, 'cosine')[0]).toBe(1);
    expect(kNearest(x, 3, 2, 1, 'l2')[0]).toBe(2);
  });

  it('with self included, a duplicate with a lower index comes before the query itself', () => {
    const x = Float32Array.of(5, 5, 5, 9);
    expect(Array.from(kNearest(x, 4, 1, 2, 'l2', true))).toEqual([0, 1, 0, 1, 0, 1, 3, 0]);
  });

  it('handles collections that are not a multiple of the 4-row block, and one-dimensional data', () => {
    for (let n = 2; n <= 9; n++) {
      const x = Float32Array.from({ length: n }, (_, i) => i * i);
      const nn = kNearest(x, n, 1, 1, 'l2');
      // Nearest of i > 0 on the parabola i^2 is i - 1; of 0 it is 1.
      expect(Array.from(nn)).toEqual(Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i - 1)));
    }
  });
});

describe('kNearest arguments', () => {
  it('rejects k outside 1..n-1 (1..n with self) with a message naming k and the range', () => {
    expect(() => kNearest(new Float32Array(6), 3, 2, 3, 'cosine')).toThrow('invalid k: 3 (expected 1..2 for 3 images)');
    expect(() => kNearest(new Float32Array(6), 3, 2, 0, 'cosine')).toThrow('invalid k: 0 (expected 1..2 for 3 images)');
    expect(() => kNearest(new Float32Array(6), 3, 2, 1.5, 'l2')).toThrow(/invalid k: 1\.5/);
    expect(() => kNearest(new Float32Array(6), 3, 2, 4, 'cosine', true)).toThrow('invalid k: 4 (expected 1..3 for 3 images with self included)');
    expect(() => kNearest(new Float32Array(6), 3, 2, 3, 'cosine', true)).not.toThrow();
    expect(() => kNearest(new Float32Array(2), 1, 2, 1, 'l2')).toThrow('invalid k: 1 (expected none: needs at least 2 images for 1 image)');
  });

  it('rejects shapes that do not match the buffer', () => {
    expect(() => kNearest(new Float32Array(5), 3, 2, 1, 'cosine')).toThrow('invalid embeddings: expected 3 x 2 = 6 values, got 5');
    expect(() => checkNeighbourArgs(new Float32Array(0), 0, 2, 1, false)).toThrow('invalid n: 0 (expected a positive integer)');
    expect(() => checkNeighbourArgs(new Float32Array(3), 3, 0, 1, false)).toThrow('invalid dim: 0 (expected a positive integer)');
  });

  it('is fast enough for a large collection (600 x 512 in well under a second)', () => {
    const n = 600;
    const dim = 512;
    const x = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
    const t = performance.now();
    const nn = kNearest(x, n, dim, 10, 'cosine');
    expect(performance.now() - t).toBeLessThan(3000);
    expect(nn.length).toBe(n * 10);
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
