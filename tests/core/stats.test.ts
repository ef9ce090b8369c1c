/** Standardisation and patch loss against naive references and hand-computed values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patchLosses } from '../../src/core/patches/patchLoss.ts';
import { applyStandardizer, fitStandardizer } from '../../src/core/stats/standardize.ts';

describe('fitStandardizer / applyStandardizer', () => {
  it('matches a naive two-pass mean/std per dimension on the chosen rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 10, maxLength: 60 }), (dim, values) => {
        const rows = Math.floor(values.length / dim);
        const data = Float32Array.from(values.slice(0, rows * dim));
        const chosen = Array.from({ length: rows }, (_, r) => r).filter((r) => r % 2 === 0);
        const s = fitStandardizer(data, dim, chosen);
        for (let d = 0; d < dim; d++) {
          const col = chosen.map((r) => data[r * dim + d]!);
          const mean = col.reduce((a, b) => a + b, 0) / col.length;
          const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
          expect(s.mean[d]).toBeCloseTo(mean, 3);
          expect(s.std[d]).toBeCloseTo(std < 1e-8 ? 1 : std, 3);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives zero mean and unit std on the fitting rows, by hand', () => {
    const data = Float32Array.of(1, 10, 3, 10, 5, 10); // dim 2: column 0 = 1,3,5; column 1 constant
    const s = fitStandardizer(data, 2);
    expect(Array.from(s.mean)).toEqual([3, 10]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.std[1]).toBe(1); // constant: centred, not scaled
    expect(s.constantDims).toBe(1);
    const z = applyStandardizer(s, data);
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(z[1]).toBe(0);
  });

  it('rejects shapes that do not fit', () => {
    expect(() => fitStandardizer(new Float32Array(5), 2)).toThrow(/invalid dim/);
    expect(() => fitStandardizer(new Float32Array(4), 2, [])).toThrow(/zero rows/);
  });
});

describe('patchLosses', () => {
  it('is the per-token mean squared error and its image mean, by hand', () => {
    // 1 image, 2 tokens, dim 2.
    const l = patchLosses(Float32Array.of(1, 2, 0, 0), Float32Array.of(0, 0, 3, 4), 1, 2, 2);
    expect(Array.from(l.perPatch)).toEqual([2.5, 12.5]);
    expect(l.perImage[0]).toBe(7.5);
    expect(() => patchLosses(new Float32Array(3), new Float32Array(4), 1, 2, 2)).toThrow(/invalid shapes/);
  });
});
