/** Mean pooling against hand values and a naive float64 reference. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstNonFinite, meanPool, meanPoolImage } from '../../../src/core/knn/pool.ts';

describe('meanPool', () => {
  it('averages tokens per image, by hand', () => {
    // 2 images x 2 tokens x dim 2: image 0 tokens (1,2) (3,4) -> (2,3); image 1 -> (20,30).
    expect(Array.from(meanPool(Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40), 2, 2, 2))).toEqual([2, 3, 20, 30]);
    // 1 image x 3 tokens x dim 1: (1 + 2 + 4) / 3.
    expect(meanPool(Float32Array.of(1, 2, 4), 1, 3, 1)[0]).toBe(Math.fround(7 / 3));
  });

  it('equals a naive float64 mean, rounded once to float32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (images, tokens, dim, seed) => {
        const x = Float32Array.from({ length: images * tokens * dim }, (_, i) => Math.sin(seed + i * 1.7) * 1000);
        const got = meanPool(x, images, tokens, dim);
        for (let i = 0; i < images; i++) {
          for (let d = 0; d < dim; d++) {
            let s = 0;
            for (let t = 0; t < tokens; t++) s += x[(i * tokens + t) * dim + d]!;
            expect(got[i * dim + d]).toBe(Math.fround(s / tokens));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps float32 precision where a float32 running sum would not', () => {
    // 1e8 + 1 + 1 + ... : float32 accumulation loses the ones; float64 keeps them.
    const x = new Float32Array(9).fill(1);
    x[0] = 1e8;
    expect(meanPool(x, 1, 9, 1)[0]).toBe(Math.fround((1e8 + 8) / 9));
  });

  it('rejects shapes that do not match', () => {
    expect(() => meanPool(new Float32Array(7), 2, 2, 2)).toThrow('invalid tokens: expected 8 values ([2, 2, 2]), got 7');
    expect(() => meanPool(new Float32Array(0), 1, 0, 2)).toThrow('invalid tokenCount: 0 (expected a positive integer)');
    expect(meanPool(new Float32Array(0), 0, 3, 2).length).toBe(0);
  });
});

describe('meanPoolImage', () => {
  it('pools one image into a row of a preallocated buffer, leaving the rest alone', () => {
    const out = new Float32Array(6).fill(-1);
    const same = meanPoolImage(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2, out, 2);
    expect(same).toBe(out);
    expect(Array.from(out)).toEqual([-1, -1, 3, 4, -1, -1]);
    expect(Array.from(meanPoolImage(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2))).toEqual([3, 4]);
  });

  it('agrees with meanPool row by row', () => {
    const x = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37) % 11);
    const all = meanPool(x, 3, 4, 5);
    const rows = new Float32Array(15);
    for (let i = 0; i < 3; i++) meanPoolImage(x.subarray(i * 20, (i + 1) * 20), 4, 5, rows, i * 5);
    expect(rows).toEqual(all);
  });

  it('refuses a row that does not fit the output', () => {
    expect(() => meanPoolImage(new Float32Array(4), 2, 2, new Float32Array(3), 2)).toThrow(
      'invalid outOffset: 2 (expected 0..1 for 2 values in an output of 3)',
    );
    expect(() => meanPoolImage(new Float32Array(5), 2, 2)).toThrow(/invalid tokens/);
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
