/** The blocked transpose (src/core/matrix/transpose.ts) against the element-by-element definition, at shapes on and off its block size. */
import { describe, expect, it } from 'vitest';
import { transposeInto, transposed } from '../../../src/core/matrix/transpose.ts';
import { seededRandom } from '../../../src/core/random.ts';

describe('transposeInto', () => {
  for (const [rows, cols] of [
    [1, 1],
    [1, 70],
    [70, 1],
    [32, 32],
    [33, 65],
    [64, 31],
    [97, 130],
  ] as const)
    it(`puts [r][c] at [c][r] for ${rows} x ${cols}`, () => {
      const random = seededRandom(rows * 1000 + cols);
      const source = Float32Array.from({ length: rows * cols }, () => random());
      const out = transposed(source, rows, cols);
      let wrong = 0;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (out[c * rows + r] !== source[r * cols + c]) wrong++;
      expect(wrong).toBe(0);
      expect(out.length).toBe(source.length);
    });

  it('refuses arrays that do not hold rows x cols values', () => {
    expect(() => transposeInto(new Float32Array(6), 2, 3, new Float32Array(5))).toThrow(RangeError);
    expect(() => transposeInto(new Float32Array(5), 2, 3, new Float32Array(6))).toThrow(RangeError);
  });
});
