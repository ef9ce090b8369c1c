import { describe, expect, it } from 'vitest';
import { lossExtent, renderLossCurve, type LossCurveOptions } from '../../src/viz/lossCurve.ts';
import { fakeSvg } from './fakeDom.ts';

const base: LossCurveOptions = { train: [], validation: [], bestEpoch: null, width: 360, height: 170, yLabel: 'MSE (standardised)' };

describe('lossExtent', () => {
  it('is [0, max] for linear, [min, max] of the positive values for log', () => {
    expect(
      lossExtent(
        [
          [3, 2, 1],
          [2.5, NaN],
        ],
        false,
      ),
    ).toEqual([0, 3]);
    expect(
      lossExtent(
        [
          [3, 0, 1],
          [-1, Infinity],
        ],
        true,
      ),
    ).toEqual([1, 3]);
    expect(lossExtent([[2]], true)).toEqual([1, 4]);
    expect(lossExtent([[], [NaN]], false)).toEqual([0, 1]);
    expect(lossExtent([[0]], false)).toEqual([0, 1]);
  });
});

describe('renderLossCurve (fake DOM)', () => {
  it('draws a solid train line, a dashed validation line, a legend and the best-epoch marker', () => {
    const { svg, el } = fakeSvg();
    renderLossCurve(svg, { ...base, train: [1, 0.6, 0.4, 0.3], validation: [1.1, 0.7, 0.5, 0.55], bestEpoch: 3 });
    const train = el.querySelectorAll('path.train-line');
    const val = el.querySelectorAll('path.val-line');
    expect(train.length).toBe(1);
    expect(val.length).toBe(1);
    expect(train[0]!.getAttribute('stroke-dasharray')).toBeNull();
    expect(val[0]!.getAttribute('stroke-dasharray')).toBe('5 3');
    // d3.line: one M then three L segments for four points
    expect((train[0]!.getAttribute('d')!.match(/L/g) ?? []).length).toBe(3);
    expect(train[0]!.getAttribute('d')).not.toMatch(/NaN/);
    const marker = el.querySelectorAll('circle.best-marker');
    expect(marker.length).toBe(1);
    expect(marker[0]!.getAttribute('data-epoch')).toBe('3');
    expect(marker[0]!.querySelector('title')!.textContent).toBe('best validation epoch 3: 0.5');
    expect(el.querySelectorAll('g.legend .legend-item').map((g) => g.textContent)).toEqual(['train', 'validation', 'best']);
    const texts = el.querySelectorAll('text').map((t) => t.textContent);
    expect(texts).toContain('MSE (standardised)');
    expect(texts).toContain('epoch');
    // x ticks are whole epochs
    expect(el.querySelectorAll('g.x-axis .tick').map((t) => t.textContent)).toEqual(['1', '2', '3', '4']);
  });

  it('puts the best marker on the validation point of that epoch', () => {
    const { svg, el } = fakeSvg();
    renderLossCurve(svg, { ...base, train: [1, 0.5], validation: [0.8, 0.4], bestEpoch: 2 });
    const d = el.querySelector('path.val-line')!.getAttribute('d')!;
    const last = d.split('L').pop()!.split(',').map(Number);
    const m = el.querySelector('circle.best-marker')!;
    expect(Number(m.getAttribute('cx'))).toBeCloseTo(last[0]!, 6);
    expect(Number(m.getAttribute('cy'))).toBeCloseTo(last[1]!, 6);
  });

  it('is cheap to call every epoch: elements are reused, never duplicated', () => {
    const { svg, el } = fakeSvg();
    const train: number[] = [];
    const validation: number[] = [];
    let trainPath: unknown = null;
    // Elements other than axis ticks (whose number follows the epoch count by design).
    const nonTick = () => el.descendantsAndSelf().filter((n) => !n.classes().includes('tick') && !n.parentNode?.classes().includes('tick')).length;
    let sizeAt2 = 0;
    for (let epoch = 1; epoch <= 40; epoch++) {
      train.push(1 / epoch);
      validation.push(1.2 / epoch + (epoch > 30 ? 0.01 * (epoch - 30) : 0));
      renderLossCurve(svg, { ...base, train: [...train], validation: [...validation], bestEpoch: Math.min(epoch, 30) });
      const p = el.querySelector('path.train-line');
      if (trainPath === null) trainPath = p;
      expect(p).toBe(trainPath);
      expect(el.querySelectorAll('path.train-line').length).toBe(1);
      expect(el.querySelectorAll('path.val-line').length).toBe(1);
      expect(el.querySelectorAll('circle.best-marker').length).toBe(1);
      expect(el.querySelectorAll('g.legend').length).toBe(1);
      expect(el.querySelectorAll('g.x-axis').length).toBe(1);
      if (epoch === 2) sizeAt2 = nonTick();
      if (epoch > 2) expect(nonTick()).toBe(sizeAt2);
    }
    expect(el.querySelectorAll('g.x-axis .tick').length).toBeLessThanOrEqual(10);
    expect(el.querySelector('circle.best-marker')!.getAttribute('data-epoch')).toBe('30');
  });

  it('shows a lone first epoch as dots and drops them once there is a line', () => {
    const { svg, el } = fakeSvg();
    renderLossCurve(svg, { ...base, train: [0.9], validation: [1], bestEpoch: 1 });
    expect(el.querySelectorAll('circle.train-point').length).toBe(1);
    expect(el.querySelectorAll('circle.val-point').length).toBe(1);
    renderLossCurve(svg, { ...base, train: [0.9, 0.5], validation: [1, 0.6], bestEpoch: 2 });
    expect(el.querySelectorAll('circle.point').length).toBe(0);
  });

  it('omits the marker for no best epoch, epoch 0, or a non-finite validation loss', () => {
    const { svg, el } = fakeSvg();
    renderLossCurve(svg, { ...base, train: [1, 0.5], validation: [0.8, 0.4], bestEpoch: 2 });
    expect(el.querySelectorAll('.best-marker').length).toBe(1);
    renderLossCurve(svg, { ...base, train: [1, 0.5], validation: [0.8, 0.4], bestEpoch: null });
    expect(el.querySelectorAll('.best-marker').length).toBe(0);
    renderLossCurve(svg, { ...base, train: [1, 0.5], validation: [0.8, 0.4], bestEpoch: 0 });
    expect(el.querySelectorAll('.best-marker').length).toBe(0);
    renderLossCurve(svg, { ...base, train: [1, 0.5], validation: [NaN, NaN], bestEpoch: 1 });
    expect(el.querySelectorAll('.best-marker').length).toBe(0);
    expect(el.querySelector('path.val-line')!.getAttribute('d')).not.toMatch(/NaN/);
  });

  it('supports a log y scale without NaN coordinates', () => {
    const { svg, el } = fakeSvg();
    renderLossCurve(svg, { ...base, train: [10, 1, 0.1, 0], validation: [12, 2, 0.2, 0.15], bestEpoch: 4, yScale: 'log' });
    for (const p of el.querySelectorAll('path')) expect(p.getAttribute('d') ?? '').not.toMatch(/NaN|Infinity/);
    expect(el.querySelectorAll('.best-marker').length).toBe(1);
  });
});
