import { describe, expect, it } from 'vitest';
import { stripLayout, stripRgba } from '../../src/viz/tokenStrip.ts';

const cell = (rgba: Uint8ClampedArray, i: number) => Array.from(rgba.subarray(i * 4, i * 4 + 4));

describe('stripLayout', () => {
  it('wraps d numbers into rows of at most 32', () => {
    expect(stripLayout(64)).toEqual([2, 32]);
    expect(stripLayout(512)).toEqual([16, 32]);
    expect(stripLayout(10)).toEqual([1, 10]);
    expect(stripLayout(65)).toEqual([3, 32]);
    expect(stripLayout(65, 64)).toEqual([2, 64]);
    expect(() => stripLayout(0)).toThrow(/invalid d: 0/);
  });
});

describe('stripRgba', () => {
  it('is red for the largest positive, blue for the largest negative, near white for zero', () => {
    const out = stripRgba(Float32Array.from([2, -2, 0, 1]));
    const [red, blue, zero, half] = [cell(out, 0), cell(out, 1), cell(out, 2), cell(out, 3)];
    expect(red[0]! > 100 && red[0]! > 3 * red[2]!).toBe(true);
    expect(blue[2]! > 50 && blue[2]! > 3 * blue[0]!).toBe(true);
    expect(Math.min(zero[0]!, zero[1]!, zero[2]!)).toBeGreaterThan(230);
    // Half the magnitude is paler than the full one.
    expect(half[1]!).toBeGreaterThan(red[1]!);
    expect([red[3], blue[3], zero[3]]).toEqual([255, 255, 255]);
  });

  it('leaves the cells past d transparent and draws a non-finite value as zero', () => {
    const out = stripRgba(
      Float32Array.from({ length: 65 }, (_, i) => (i === 3 ? NaN : i)),
      64,
    );
    expect(out.length).toBe(2 * 64 * 4);
    expect(cell(out, 64)[3]).toBe(255);
    expect(cell(out, 65)).toEqual([0, 0, 0, 0]);
    expect(Math.min(...cell(out, 3).slice(0, 3))).toBeGreaterThan(230);
  });
});
