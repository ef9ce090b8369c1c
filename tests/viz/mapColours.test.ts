/**
 * Map colours: the same label gets the same colour whatever the order, unlabelled and unknown
 * values are grey and counted, ramps end on d3's viridis/inferno ends, and the split follows
 * the reconstructor's held-out set.
 */
import { interpolateInferno, interpolateViridis, rgb } from 'd3';
import { describe, expect, it } from 'vitest';
import { MISSING_COLOUR, labelColours, mapPointColours } from '../../src/viz/mapColours.ts';

const colourAt = (rgba: Uint8Array, i: number) => rgb(rgba[i * 4]!, rgba[i * 4 + 1]!, rgba[i * 4 + 2]!).formatHex();
const base = { knor: null, loss: null, heldOut: null };

describe('mapPointColours', () => {
  it('label: one colour per label, stable under reordering, grey without a label', () => {
    const labels = ['cat', 'dog', null, 'cat', 'bird'];
    const { rgba, legend } = mapPointColours('label', { ...base, labels });
    expect(colourAt(rgba, 0)).toBe(colourAt(rgba, 3));
    expect(new Set([0, 1, 4].map((i) => colourAt(rgba, i))).size).toBe(3);
    expect(colourAt(rgba, 2)).toBe(MISSING_COLOUR);
    const reordered = mapPointColours('label', { ...base, labels: ['bird', 'cat', 'dog'] });
    expect(colourAt(reordered.rgba, 1)).toBe(colourAt(rgba, 0));
    expect(legend.kind === 'categories' && legend.entries.map((e) => [e.name, e.count])).toEqual([
      ['bird', 1],
      ['cat', 2],
      ['dog', 1],
      ['no label', 1],
    ]);
  });

  it('label: more labels than Tableau 10 still get distinct colours', () => {
    const labels = Array.from({ length: 24 }, (_, i) => `class-${i}`);
    expect(new Set(labelColours(labels).values()).size).toBe(24);
  });

  it('KNOR: viridis over [0, 1], unknown values grey and counted', () => {
    const { rgba, legend } = mapPointColours('knor', { ...base, labels: [null, null, null], knor: Float32Array.from([0, 1, NaN]) });
    expect(colourAt(rgba, 0)).toBe(rgb(interpolateViridis(0)).formatHex());
    expect(colourAt(rgba, 1)).toBe(rgb(interpolateViridis(1)).formatHex());
    expect(colourAt(rgba, 2)).toBe(MISSING_COLOUR);
    expect(legend).toMatchObject({ kind: 'ramp', domain: [0, 1], missing: 1 });
  });

  it('loss: inferno up to the 99th percentile, and all grey before a reconstructor exists', () => {
    const loss = Float32Array.from({ length: 101 }, (_, i) => i / 100);
    const { rgba, legend } = mapPointColours('loss', { ...base, labels: new Array(101).fill(null), loss });
    expect(legend.kind === 'ramp' && legend.domain[1]).toBeCloseTo(0.99, 6);
    expect(colourAt(rgba, 100)).toBe(rgb(interpolateInferno(1)).formatHex());
    expect(colourAt(rgba, 0)).toBe(rgb(interpolateInferno(0)).formatHex());
    const none = mapPointColours('loss', { ...base, labels: [null, null] });
    expect(colourAt(none.rgba, 0)).toBe(MISSING_COLOUR);
    expect(none.legend).toMatchObject({ missing: 2 });
  });

  it('split: trained-on, held-out and not-in-a-run images apart', () => {
    const { rgba, legend } = mapPointColours('split', { ...base, labels: [null, null, null, null], heldOut: [true, false, null, false] });
    expect(colourAt(rgba, 1)).toBe(colourAt(rgba, 3));
    expect(colourAt(rgba, 0)).not.toBe(colourAt(rgba, 1));
    expect(colourAt(rgba, 2)).toBe(MISSING_COLOUR);
    expect(legend.kind === 'categories' && legend.entries.map((e) => e.count)).toEqual([2, 1, 1]);
  });
});
