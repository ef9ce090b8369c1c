/**
 * Point colours for the before/after maps, one RGBA quadruple per point, and the legend that
 * explains them. Pure (no DOM): the renderer uploads the bytes as they are.
 *
 * - label: one hue per label (Tableau 10, then evenly spaced sinebow hues past ten labels), sorted
 *   so the same labels get the same colours on every visit; unlabelled points are grey.
 * - KNOR: viridis over [0, 1] (the measure's full range, so maps at two k are comparable).
 * - loss: inferno over [0, the 99th percentile] of the image losses, as the heatmap scales.
 * - split: training vs held-out images of the reconstructor.
 * A point without the value its mode needs (no reconstructor yet) is grey and said so in the legend.
 */
import { interpolateInferno, interpolateSinebow, interpolateViridis, rgb, schemeTableau10 } from 'd3';
import { robustMax } from './colorScale.ts';

export type MapColourMode = 'label' | 'knor' | 'loss' | 'split';

export type MapLegend =
  | { readonly kind: 'categories'; readonly entries: readonly { readonly name: string; readonly colour: string; readonly count: number }[] }
  | { readonly kind: 'ramp'; readonly title: string; readonly domain: readonly [number, number]; readonly stops: readonly string[]; readonly missing: number };

export interface PointColours {
  /** [n, 4] RGBA bytes in point order. */
  readonly rgba: Uint8Array;
  readonly legend: MapLegend;
}

export interface MapPointFacts {
  readonly labels: readonly (string | null)[];
  /** Per point, NaN where unknown. */
  readonly knor: Float32Array | null;
  readonly loss: Float32Array | null;
  /** Per point: true held out, false trained on, null not in the reconstructor's run. */
  readonly heldOut: readonly (boolean | null)[] | null;
}

export const MISSING_COLOUR = '#b8b8b4';
const SPLIT_COLOURS = { training: '#4c6ef5', heldOut: '#f08c00' } as const;
const RAMP_STOPS = 9;

export function mapPointColours(mode: MapColourMode, facts: MapPointFacts): PointColours {
  const n = facts.labels.length;
  const rgba = new Uint8Array(n * 4);
  const put = (i: number, colour: string) => {
    const c = rgb(colour);
    rgba[i * 4] = c.r;
    rgba[i * 4 + 1] = c.g;
    rgba[i * 4 + 2] = c.b;
    rgba[i * 4 + 3] = 255;
  };
  if (mode === 'label') {
    const colours = labelColours(facts.labels);
    const counts = new Map<string, number>();
    facts.labels.forEach((label, i) => {
      const name = label ?? 'no label';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      put(i, label === null ? MISSING_COLOUR : colours.get(label)!);
    });
    const entries = [...colours].map(([name, colour]) => ({ name, colour, count: counts.get(name)! }));
    if (counts.has('no label') && !colours.has('no label')) entries.push({ name: 'no label', colour: MISSING_COLOUR, count: counts.get('no label')! });
    return { rgba, legend: { kind: 'categories', entries } };
  }
  if (mode === 'split') {
    let training = 0;
    let heldOut = 0;
    let missing = 0;
    for (let i = 0; i < n; i++) {
      const held = facts.heldOut?.[i] ?? null;
      if (held === null) missing++;
      else if (held) heldOut++;
      else training++;
      put(i, held === null ? MISSING_COLOUR : held ? SPLIT_COLOURS.heldOut : SPLIT_COLOURS.training);
    }
    const entries: { name: string; colour: string; count: number }[] = [
      { name: 'trained on', colour: SPLIT_COLOURS.training, count: training },
      { name: 'held out', colour: SPLIT_COLOURS.heldOut, count: heldOut },
    ];
    if (missing > 0) entries.push({ name: 'not in a training run', colour: MISSING_COLOUR, count: missing });
    return { rgba, legend: { kind: 'categories', entries } };
  }
  const values = mode === 'knor' ? facts.knor : facts.loss;
  const interpolate = mode === 'knor' ? interpolateViridis : interpolateInferno;
  const top = mode === 'knor' ? 1 : values ? robustMax(values) : 1;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = values?.[i] ?? NaN;
    if (!Number.isFinite(v)) {
      missing++;
      put(i, MISSING_COLOUR);
    } else put(i, interpolate(Math.min(Math.max(v / top, 0), 1)));
  }
  const stops = Array.from({ length: RAMP_STOPS }, (_, s) => interpolate(s / (RAMP_STOPS - 1)));
  const title = mode === 'knor' ? 'KNOR (share of neighbours kept)' : 'image reconstruction loss';
  return { rgba, legend: { kind: 'ramp', title, domain: [0, top], stops, missing } };
}

/** Sorted labels to colours: Tableau 10 while it lasts, evenly spaced hues beyond. */
export function labelColours(labels: readonly (string | null)[]): Map<string, string> {
  const names = [...new Set(labels.filter((l): l is string => l !== null))].sort();
  const palette = names.length <= schemeTableau10.length ? schemeTableau10 : names.map((_, i) => rgb(interpolateSinebow(i / names.length)).formatHex());
  return new Map(names.map((name, i) => [name, palette[i]!]));
}
