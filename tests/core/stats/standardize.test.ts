/** Standardisation against a naive two-pass reference and hand-computed values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCentredRows,
  addRows,
  applyStandardizer,
  CONSTANT_STD_EPSILON,
  finishStandardizer,
  fitStandardizer,
  standardizerSums,
} from '../../../src/core/stats/standardize.ts';

/** Naive reference: for each dimension, collect the chosen rows' values, mean, then mean of squared deviations. */
function naive(data: Float32Array, dim: number, rows: number[]): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let d = 0; d < dim; d++) {
    const col = rows.map((r) => data[r * dim + d]!);
    const m = col.reduce((a, b) => a + b, 0) / col.length;
    mean.push(m);
    std.push(Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length));
  }
  return { mean, std };
}

const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));

describe('fitStandardizer', () => {
  it('matches the naive reference on all rows and on a subset of rows (float32-rounded)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { minLength: 6, maxLength: 80 }),
        fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
        fc.integer({ min: 0, max: 5 }),
        (dim, values, pick, constantDim) => {
          const rows = Math.floor(values.length / dim);
          const data = Float32Array.from(values.slice(0, rows * dim));
          if (constantDim < dim) for (let r = 0; r < rows; r++) data[r * dim + constantDim] = 42.5; // a constant dimension
          const all = Array.from({ length: rows }, (_, r) => r);
          let subset = all.filter((r) => pick[r]);
          if (subset.length === 0) subset = [rows - 1];
          for (const chosen of [all, subset]) {
            const s = fitStandardizer(data, dim, chosen.length === rows && chosen === all ? undefined : chosen);
            const ref = naive(data, dim, chosen);
            let constants = 0;
            for (let d = 0; d < dim; d++) {
              close(s.mean[d]!, ref.mean[d]!);
              const isConstant = ref.std[d]! < CONSTANT_STD_EPSILON;
              if (isConstant) constants++;
              close(s.std[d]!, isConstant ? 1 : ref.std[d]!);
            }
            expect(s.constantDims).toBe(constants);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is centred and unit-scaled on the fitting rows, by hand; constant dimensions are centred only', () => {
    const data = Float32Array.of(1, 10, 3, 10, 5, 10); // dim 2: column 0 = 1,3,5 (std sqrt(8/3)); column 1 constant
    const s = fitStandardizer(data, 2);
    expect(Array.from(s.mean)).toEqual([3, 10]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.std[1]).toBe(1);
    expect(s.constantDims).toBe(1);
    const z = applyStandardizer(s, data);
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(z[2]).toBe(0);
    expect(z[4]).toBeCloseTo(2 / Math.sqrt(8 / 3), 6);
    expect([z[1], z[3], z[5]]).toEqual([0, 0, 0]);
  });

  it('fits on the listed rows only and applies the same statistics to every row', () => {
    // Rows 0 and 2 (values 0 and 4) fit: mean 2, std 2. Row 1 (100) is held out.
    const data = Float32Array.of(0, 100, 4);
    const s = fitStandardizer(data, 1, [0, 2]);
    expect([s.mean[0], s.std[0]]).toEqual([2, 2]);
    expect(Array.from(applyStandardizer(s, data))).toEqual([-1, 49, 1]);
    expect(Array.from(applyStandardizer(s, Float32Array.of(6)))).toEqual([2]); // new data, same statistics
  });

  it('stays accurate for large offsets (two-pass, float64)', () => {
    const data = Float32Array.of(1e6 + 1, 1e6 + 3, 1e6 + 5);
    const s = fitStandardizer(data, 1);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
  });

  it('rejects shapes that do not fit', () => {
    expect(() => fitStandardizer(new Float32Array(5), 2)).toThrow('invalid dim: 2 for 5 values');
    expect(() => fitStandardizer(new Float32Array(4), 2, [])).toThrow('cannot fit a standardizer on zero rows');
    expect(() => applyStandardizer(fitStandardizer(new Float32Array(4), 2), new Float32Array(3))).toThrow('invalid data length: 3 is not a multiple of 2');
  });
});

describe('a fit over rows that arrive in chunks (the trainer streams them)', () => {
  it('equals fitStandardizer on the same rows, bit for bit, for any chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { minLength: 5, maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 40 }),
        (dim, values, chunkSizes) => {
          const rows = Math.floor(values.length / dim);
          const data = Float32Array.from(values.slice(0, rows * dim));
          const chunks: Float32Array[] = [];
          for (let r = 0, c = 0; r < rows; c++) {
            const size = Math.min(chunkSizes[c % chunkSizes.length]!, rows - r);
            chunks.push(data.slice(r * dim, (r + size) * dim));
            r += size;
          }
          const sums = standardizerSums(dim);
          for (const chunk of chunks) addRows(sums, chunk);
          for (const chunk of chunks) addCentredRows(sums, chunk);
          const streamed = finishStandardizer(sums);
          const whole = fitStandardizer(data, dim);
          expect(streamed).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a first-pass row after the second pass began, and a second pass that missed rows', () => {
    const sums = standardizerSums(2);
    addRows(sums, Float32Array.of(1, 2, 3, 4));
    addCentredRows(sums, Float32Array.of(1, 2));
    expect(() => addRows(sums, Float32Array.of(5, 6))).toThrow('addRows after addCentredRows');
    expect(() => finishStandardizer(sums)).toThrow('the second pass saw 1 rows, the first 2');
    expect(() => finishStandardizer(standardizerSums(2))).toThrow('cannot fit a standardizer on zero rows');
  });
});
