/** The SAE loss curves (viz/saeLossCurve.ts): run means against a direct average, and both curves drawn in the fake DOM. */
import { describe, expect, it } from 'vitest';
import { binnedMeans, renderSaeLossCurve } from '../../src/viz/saeLossCurve.ts';
import { fakeSvg } from './fakeDom.ts';

describe('SAE loss curves', () => {
  it('averages equal runs of steps, each at its middle step, skipping values that are not finite', () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(binnedMeans(values, 5)).toEqual([
      { step: 1.5, value: 1.5 },
      { step: 3.5, value: 3.5 },
      { step: 5.5, value: 5.5 },
      { step: 7.5, value: 7.5 },
      { step: 9.5, value: 9.5 },
    ]);
    // More bins than values: one point a step. A NaN is left out of its run's mean.
    expect(binnedMeans([4, Number.NaN, 2], 10)).toEqual([
      { step: 1, value: 4 },
      { step: 3, value: 2 },
    ]);
    expect(binnedMeans([1, 2, 3], 2)).toEqual([
      { step: 1, value: 1 },
      { step: 2.5, value: 2.5 },
    ]);
    expect(binnedMeans([], 4)).toEqual([]);
  });

  it('draws the curve before the connector solid and the one after it dashed, with at most `bins` points each', () => {
    const { svg, el } = fakeSvg();
    const before = Array.from({ length: 1000 }, (_, i) => 2 / (1 + i / 50));
    const after = Array.from({ length: 1000 }, (_, i) => 1 / (1 + i / 80));
    renderSaeLossCurve(svg, { before, after, width: 360, height: 170, bins: 100 });
    const b = el.querySelector('path.before-line')!.getAttribute('d')!;
    const a = el.querySelector('path.after-line')!;
    expect((b.match(/L/g) ?? []).length).toBe(99);
    expect(b).not.toMatch(/NaN/);
    expect(a.getAttribute('stroke-dasharray')).toBe('5 3');
    expect(el.querySelectorAll('g.legend .legend-item').map((g) => g.textContent)).toEqual(['before', 'after']);
    // Drawn again (as on a new result), nothing is duplicated.
    renderSaeLossCurve(svg, { before, after, width: 360, height: 170, bins: 100 });
    expect(el.querySelectorAll('path.before-line').length).toBe(1);
  });
});
