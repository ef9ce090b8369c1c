import fc from 'fast-check';
import { interpolateInferno, rgb } from 'd3';
import { describe, expect, it } from 'vitest';
import { buildLut, lossColorScale, lutIndex, rgbaOf, robustMax } from '../../src/viz/colorScale.ts';

const rgbaOfCss = (css: string): number[] => {
  const c = rgb(css);
  return [c.r, c.g, c.b, 255];
};

describe('lossColorScale', () => {
  it('maps the domain ends to the ends of inferno and clamps outside', () => {
    const s = lossColorScale([0, 2]);
    expect(s(0)).toBe(interpolateInferno(0));
    expect(s(2)).toBe(interpolateInferno(1));
    expect(s(1)).toBe(interpolateInferno(0.5));
    expect(s(-5)).toBe(s(0));
    expect(s(50)).toBe(s(2));
  });
});

describe('rgbaOf', () => {
  it('parses the scale colour into numbers', () => {
    const s = lossColorScale([0, 1]);
    expect(rgbaOf(0, s)).toEqual([0, 0, 4, 255]); // inferno(0) = #000004
    expect(rgbaOf(1, s)).toEqual([252, 255, 164, 255]); // inferno(1) = #fcffa4
  });
});

describe('buildLut', () => {
  it('samples the scale evenly, first entry = bottom, last = top, opaque', () => {
    const s = lossColorScale([0, 10]);
    const lut = buildLut(s, 256);
    expect(lut).toBeInstanceOf(Uint8ClampedArray);
    expect(lut.length).toBe(256 * 4);
    expect(Array.from(lut.subarray(0, 4))).toEqual([0, 0, 4, 255]);
    expect(Array.from(lut.subarray(255 * 4, 256 * 4))).toEqual([252, 255, 164, 255]);
    expect(Array.from(lut.subarray(100 * 4, 101 * 4))).toEqual(rgbaOfCss(s((10 * 100) / 255)));
    for (let i = 3; i < lut.length; i += 4) expect(lut[i]).toBe(255);
  });
  it('is monotone in brightness (inferno is perceptually ordered)', () => {
    const lut = buildLut(lossColorScale([0, 1]), 64);
    const luma = (i: number) => 0.2126 * lut[i * 4]! + 0.7152 * lut[i * 4 + 1]! + 0.0722 * lut[i * 4 + 2]!;
    for (let i = 1; i < 64; i++) expect(luma(i)).toBeGreaterThanOrEqual(luma(i - 1) - 1e-9);
  });
  it('rejects sizes below 2', () => {
    expect(() => buildLut(lossColorScale([0, 1]), 1)).toThrow(RangeError);
  });
});

describe('lutIndex', () => {
  it('hits the ends exactly and rounds to the nearest sample', () => {
    expect(lutIndex(0, 0, 1)).toBe(0);
    expect(lutIndex(1, 0, 1)).toBe(255);
    expect(lutIndex(0.5, 0, 1)).toBe(128); // 127.5 rounds up
    expect(lutIndex(1 / 255, 0, 1)).toBe(1);
    expect(lutIndex(0.49 / 255, 0, 1)).toBe(0);
    expect(lutIndex(3, 2, 4, 3)).toBe(1);
  });
  it('clamps outside the domain', () => {
    expect(lutIndex(-1, 0, 1)).toBe(0);
    expect(lutIndex(7, 0, 1)).toBe(255);
    expect(lutIndex(Infinity, 0, 1)).toBe(255);
    expect(lutIndex(-Infinity, 0, 1)).toBe(0);
  });
  it('gives 0 for NaN and degenerate domains', () => {
    expect(lutIndex(NaN, 0, 1)).toBe(0);
    expect(lutIndex(0.5, 1, 1)).toBe(0);
    expect(lutIndex(0.5, 2, 1)).toBe(0);
    expect(lutIndex(0.5, 0, NaN)).toBe(0);
    // A range wider than the largest double (found by the property below): the top stays the top.
    expect(lutIndex(2.4948003869183998e293, -1.7976931348623133e308, 2.4948003869183998e293, 2)).toBe(1);
    expect(lutIndex(-1.7976931348623133e308, -1.7976931348623133e308, 1.7976931348623133e308, 256)).toBe(0);
    expect(lutIndex(0, -1.7976931348623133e308, 1.7976931348623133e308, 257)).toBe(128);
  });
  it('always returns an integer index in range', () => {
    fc.assert(
      fc.property(fc.double(), fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.integer({ min: 2, max: 1024 }), (v, a, b, size) => {
        const i = lutIndex(v, Math.min(a, b), Math.max(a, b), size);
        return Number.isInteger(i) && i >= 0 && i < size;
      }),
    );
  });
});

describe('robustMax', () => {
  it('takes the 99th percentile by linear interpolation', () => {
    const v = Float32Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(robustMax(v)).toBeCloseTo(99, 10);
    expect(robustMax(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.5)).toBeCloseTo(5.5, 10);
    expect(robustMax(Float32Array.from([3, 1, 2]), 1)).toBe(3);
  });
  it('is not dragged up by a single outlier', () => {
    const v = new Float32Array(1000).fill(1);
    v[500] = 1e6;
    expect(robustMax(v)).toBe(1);
  });
  it('ignores NaN and infinities', () => {
    expect(robustMax(Float32Array.from([NaN, 2, Infinity, 2, -Infinity, 2]))).toBe(2);
  });
  it('falls back to the maximum, then to 1, when the quantile is not positive', () => {
    const mostlyZero = new Float32Array(1000);
    mostlyZero[3] = 5;
    expect(robustMax(mostlyZero)).toBe(5);
    expect(robustMax(new Float32Array(10))).toBe(1);
    expect(robustMax(new Float32Array(0))).toBe(1);
    expect(robustMax(Float32Array.from([NaN]))).toBe(1);
  });
  it('rejects quantiles outside [0, 1]', () => {
    expect(() => robustMax(new Float32Array(3), 1.5)).toThrow(RangeError);
    expect(() => robustMax(new Float32Array(3), NaN)).toThrow(RangeError);
  });
  it('lies between the quantile neighbours and never above the maximum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (arr, q) => {
          const v = Float32Array.from(arr);
          const sorted = Array.from(v).sort((a, b) => a - b);
          const r = robustMax(v, q);
          const top = sorted[sorted.length - 1]!;
          if (top <= 0) return r === 1;
          const h = q * (sorted.length - 1);
          const lo = sorted[Math.floor(h)]!;
          const hi = sorted[Math.ceil(h)]!;
          return r > 0 && r <= top && (r === top || (r >= lo && r <= hi));
        },
      ),
    );
  });
});
