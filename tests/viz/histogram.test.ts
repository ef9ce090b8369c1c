import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knorBins, knorTickLabel, renderKnorHistogram } from '../../src/viz/histogram.ts';
import { fakeSvg, type FakeElement } from './fakeDom.ts';

const f32 = (v: number) => Math.fround(v);

describe('knorBins', () => {
  it('counts images per overlap count (hand-computed)', () => {
    const values = Float32Array.from([0, 0.25, 0.25, 0.5, 1, 1, 0.75]);
    expect(Array.from(knorBins(values, 4))).toEqual([1, 2, 1, 1, 2]);
  });

  it('absorbs float error: Float32 j/k always lands in bin j', () => {
    // e.g. Math.fround(0.7) * 10 = 6.99999988..., Math.fround(0.3) * 10 = 3.0000001...
    const values = Float32Array.from([0.7, 0.3, 0.1, 0.9, 0.6, 0.2]);
    expect(Array.from(knorBins(values, 10))).toEqual([0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0]);
    for (let k = 1; k <= 200; k++) {
      const v = Float32Array.from({ length: k + 1 }, (_, j) => j / k);
      expect(Array.from(knorBins(v, k))).toEqual(new Array<number>(k + 1).fill(1));
    }
  });

  it('clamps out-of-range values into the end bins and skips non-finite ones', () => {
    expect(Array.from(knorBins([-0.2, 1.3, NaN, Infinity, 0.5], 2))).toEqual([1, 1, 1]);
  });

  it('returns k + 1 zero bins for no values, and rejects a bad k', () => {
    expect(Array.from(knorBins(new Float32Array(0), 3))).toEqual([0, 0, 0, 0]);
    expect(() => knorBins([0.5], 0)).toThrow(RangeError);
    expect(() => knorBins([0.5], 2.5)).toThrow(RangeError);
  });

  it('property: counts sum to n and every value lands in bin round(v * k)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { maxLength: 200 }), (k, raw) => {
        const values = Float32Array.from(raw);
        const bins = knorBins(values, k);
        if (bins.length !== k + 1) return false;
        if (bins.reduce((s, c) => s + c, 0) !== values.length) return false;
        const expected = new Int32Array(k + 1);
        for (const v of values) expected[Math.round(v * k)]! += 1;
        return expected.every((c, j) => c === bins[j]);
      }),
    );
  });

  it('property: achievable values (overlap j of k, stored as Float32) are counted exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }).chain((k) => fc.tuple(fc.constant(k), fc.array(fc.integer({ min: 0, max: k }), { maxLength: 300 }))),
        ([k, overlaps]) => {
          const bins = knorBins(
            Float32Array.from(overlaps, (j) => f32(j / k)),
            k,
          );
          const expected = new Int32Array(k + 1);
          for (const j of overlaps) expected[j]! += 1;
          return expected.every((c, j) => c === bins[j]);
        },
      ),
    );
  });
});

describe('knorTickLabel', () => {
  it('prints j / k with at most two decimals', () => {
    expect(knorTickLabel(0, 10)).toBe('0');
    expect(knorTickLabel(5, 10)).toBe('0.5');
    expect(knorTickLabel(1, 3)).toBe('0.33');
    expect(knorTickLabel(10, 10)).toBe('1');
  });
});

const bars = (el: FakeElement) => el.querySelectorAll('rect.bar');
const counts = (el: FakeElement) => bars(el).map((b) => Number(b.getAttribute('data-count')));

describe('renderKnorHistogram (fake DOM)', () => {
  const values = Float32Array.from([0, 0.25, 0.25, 0.5, 1, 1, 0.75]);

  it('draws k + 1 bars carrying their counts, axes, labels and the mean line', () => {
    const { svg, el } = fakeSvg();
    renderKnorHistogram(svg, { values, k: 4, mean: 0.5, width: 360, height: 180 });
    expect(el.getAttribute('width')).toBe('360');
    expect(counts(el)).toEqual([1, 2, 1, 1, 2]);
    expect(bars(el).map((b) => b.getAttribute('data-overlap'))).toEqual(['0', '1', '2', '3', '4']);
    expect(bars(el).every((b) => b.classes().join(' ') === 'bar')).toBe(true);
    expect(bars(el)[1]!.querySelector('title')!.textContent).toBe('2 images keep 1 of 4 neighbours (KNOR 0.25)');
    expect(el.querySelectorAll('.mean-line').length).toBe(1);
    expect(el.querySelector('text.mean-label')!.textContent).toBe('mean 0.50');
    expect(el.querySelector('.mean-line')!.getAttribute('stroke-dasharray')).toBe('4 3');
    const labels = el.querySelectorAll('text').map((t) => t.textContent);
    expect(labels).toContain('KNOR (share of k neighbours kept)');
    expect(labels).toContain('images');
    expect(el.querySelectorAll('g.x-axis .tick').map((t) => t.textContent)).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    // y ticks are whole image counts only
    expect(el.querySelectorAll('g.y-axis .tick').every((t) => /^\d+$/.test(t.textContent))).toBe(true);
    // taller bar for the larger count, bars sit on the baseline
    const h = bars(el).map((b) => Number(b.getAttribute('height')));
    expect(h[1]).toBeGreaterThan(h[0]!);
    const base = bars(el).map((b) => Number(b.getAttribute('y')) + Number(b.getAttribute('height')));
    expect(new Set(base.map((b) => b.toFixed(6))).size).toBe(1);
  });

  it('places the mean line at the centre of bar j when mean = j / k, between centres otherwise', () => {
    const { svg, el } = fakeSvg();
    const centre = (j: number) => {
      const b = bars(el)[j]!;
      return Number(b.getAttribute('x')) + Number(b.getAttribute('width')) / 2;
    };
    const meanX = () => Number(el.querySelector('.mean-line')!.getAttribute('x1'));
    renderKnorHistogram(svg, { values, k: 4, mean: 0.75, width: 360, height: 180 });
    expect(meanX()).toBeCloseTo(centre(3), 9);
    renderKnorHistogram(svg, { values, k: 4, mean: 0.625, width: 360, height: 180 });
    expect(meanX()).toBeCloseTo((centre(2) + centre(3)) / 2, 9);
    renderKnorHistogram(svg, { values, k: 4, mean: NaN, width: 360, height: 180 });
    expect(el.querySelectorAll('.mean-line').length).toBe(0);
  });

  it('highlights the selected image’s bar', () => {
    const { svg, el } = fakeSvg();
    renderKnorHistogram(svg, { values, k: 4, mean: 0.5, width: 360, height: 180, highlight: 0.7499999 });
    expect(bars(el).map((b) => b.classes().includes('highlighted'))).toEqual([false, false, false, true, false]);
  });

  it('updates in place: re-rendering never duplicates elements, and follows a new k', () => {
    const { svg, el } = fakeSvg();
    renderKnorHistogram(svg, { values, k: 4, mean: 0.5, width: 360, height: 180 });
    const before = el.descendantsAndSelf().length;
    const firstBar = bars(el)[0];
    renderKnorHistogram(svg, { values, k: 4, mean: 0.4, width: 360, height: 180, highlight: 0.5 });
    expect(el.descendantsAndSelf().length).toBe(before);
    expect(bars(el)[0]).toBe(firstBar);
    const v10 = Float32Array.from({ length: 57 }, (_, i) => Math.fround((i % 11) / 10));
    renderKnorHistogram(svg, { values: v10, k: 10, mean: 0.5, width: 360, height: 180 });
    expect(bars(el).length).toBe(11);
    expect(counts(el).reduce((a, b) => a + b, 0)).toBe(57);
    expect(el.querySelectorAll('g.x-axis').length).toBe(1);
    expect(el.querySelectorAll('.mean-line').length).toBe(1);
    renderKnorHistogram(svg, { values: new Float32Array(0), k: 2, mean: NaN, width: 360, height: 180 });
    expect(counts(el)).toEqual([0, 0, 0]);
  });

  it('thins x ticks for large k but keeps 0 and 1', () => {
    const { svg, el } = fakeSvg();
    renderKnorHistogram(svg, { values, k: 50, mean: 0.5, width: 360, height: 180 });
    const ticks = el.querySelectorAll('g.x-axis .tick').map((t) => t.textContent);
    expect(ticks.length).toBeLessThanOrEqual(12);
    expect(ticks[0]).toBe('0');
    expect(ticks[ticks.length - 1]).toBe('1');
  });
});
