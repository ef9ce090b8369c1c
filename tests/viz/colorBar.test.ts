import { interpolateInferno } from 'd3';
import { describe, expect, it } from 'vitest';
import { renderColorBar } from '../../src/viz/colorBar.ts';
import { fakeSvg } from './fakeDom.ts';

const opts = { domain: [0, 2] as const, label: 'patch MSE (standardised units)', width: 336, height: 46, ticks: 5 };

describe('renderColorBar (fake DOM)', () => {
  it('draws a gradient of the loss scale, an axis in the domain and the unit label', () => {
    const { svg, el } = fakeSvg();
    el.setAttribute('class', 'color-bar-svg');
    renderColorBar(svg, opts);
    expect(el.classes()).toEqual(['color-bar-svg', 'color-bar']);
    const stops = el.querySelectorAll('linearGradient stop');
    expect(stops.length).toBe(17);
    expect(stops[0]!.getAttribute('offset')).toBe('0.00%');
    expect(stops[0]!.getAttribute('stop-color')).toBe(interpolateInferno(0));
    expect(stops[16]!.getAttribute('offset')).toBe('100.00%');
    expect(stops[16]!.getAttribute('stop-color')).toBe(interpolateInferno(1));
    const id = el.querySelector('linearGradient')!.getAttribute('id');
    expect(el.querySelector('rect.color-bar-gradient')!.getAttribute('fill')).toBe(`url(#${id})`);
    const ticks = el.querySelectorAll('g.color-bar-axis .tick').map((t) => t.textContent);
    expect(ticks[0]).toBe('0.0');
    expect(ticks[ticks.length - 1]).toBe('2.0');
    expect(el.querySelector('text.color-bar-label')!.textContent).toBe('patch MSE (standardised units)');
    expect(el.querySelectorAll('.color-bar-clip').length).toBe(0);
  });

  it('updates in place and marks a clipped top when asked', () => {
    const { svg, el } = fakeSvg();
    renderColorBar(svg, opts);
    const n = el.descendantsAndSelf().length;
    renderColorBar(svg, opts);
    expect(el.descendantsAndSelf().length).toBe(n);
    renderColorBar(svg, { ...opts, domain: [0, 0.004], clippedTop: true });
    expect(el.querySelectorAll('linearGradient').length).toBe(1);
    expect(el.querySelectorAll('rect.color-bar-gradient').length).toBe(1);
    expect(el.querySelectorAll('.color-bar-clip').length).toBe(1);
    const ticks = el.querySelectorAll('g.color-bar-axis .tick').map((t) => Number(t.textContent));
    expect(Math.max(...ticks)).toBeLessThanOrEqual(0.004);
  });

  it('gives each bar its own gradient id', () => {
    const a = fakeSvg();
    const b = fakeSvg();
    renderColorBar(a.svg, opts);
    renderColorBar(b.svg, opts);
    expect(a.el.querySelector('linearGradient')!.getAttribute('id')).not.toBe(b.el.querySelector('linearGradient')!.getAttribute('id'));
  });
});
