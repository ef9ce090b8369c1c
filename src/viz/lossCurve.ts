/**
 * Training and validation loss per epoch. Redrawn on every epoch, so every element is created
 * once and updated in place (find-or-create layers and d3 joins), never rebuilt.
 */
import { axisBottom, axisLeft, format, line, scaleLinear, scaleLog, select } from 'd3';
import { axisTitles, finiteSize, layer, lineLegend, sizeSvg } from './svgLayers.ts';

export interface LossCurveOptions {
  /** Mean training loss per epoch (epoch 1 first). */
  readonly train: readonly number[];
  /** Validation loss per epoch. */
  readonly validation: readonly number[];
  /** 1-based epoch with the best validation loss; null (or 0) for none yet. */
  readonly bestEpoch: number | null;
  readonly width: number;
  readonly height: number;
  /** Y axis label with units. */
  readonly yLabel: string;
  /** Y scale: 'linear' from 0 (default) or 'log' over the positive values. */
  readonly yScale?: 'linear' | 'log';
}

const TRAIN_COLOUR = '#4c6ef5';
const VAL_COLOUR = '#e8590c';

interface Point {
  readonly epoch: number;
  readonly value: number;
}

/** [lo, hi] for the y axis: from 0 (linear) or the smallest positive value (log) to the largest. */
export function lossExtent(series: readonly (readonly number[])[], log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s) {
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return log ? [0.1, 1] : [0, 1];
  if (log) return lo === hi ? [lo / 2, hi * 2] : [lo, hi];
  return [0, hi > 0 ? hi : 1];
}

/**
 * Draws (or updates in place) the curves. Stable hooks: `path.train-line` (solid),
 * `path.val-line` (dashed), `circle.best-marker` at the best validation epoch, `g.legend`.
 */
export function renderLossCurve(svgElement: SVGSVGElement, o: LossCurveOptions): void {
  const width = finiteSize(o.width);
  const height = finiteSize(o.height);
  const margin = { top: 22, right: 12, bottom: 32, left: 46 };
  const log = o.yScale === 'log';
  const epochs = Math.max(o.train.length, o.validation.length);
  const left = margin.left;
  const right = Math.max(left + 1, width - margin.right);
  const bottom = Math.max(margin.top + 1, height - margin.bottom);
  const x = scaleLinear()
    .domain([1, Math.max(2, epochs)])
    .range([left, right]);
  const [lo, hi] = lossExtent([o.train, o.validation], log);
  const y = (log ? scaleLog().domain([lo, hi]) : scaleLinear().domain([lo, hi])).nice().range([bottom, margin.top]);
  const usable = (v: number): boolean => Number.isFinite(v) && (!log || v > 0);

  const svg = select(svgElement).classed('loss-curve', true);
  sizeSvg(svg, width, height);

  layer<SVGGElement>(svg, 'g', 'x-axis')
    .attr('transform', `translate(0,${bottom})`)
    .call(
      axisBottom(x)
        .tickValues(x.ticks(Math.min(Math.max(1, epochs - 1), 8)).filter(Number.isInteger))
        .tickFormat(format('d')),
    );
  layer<SVGGElement>(svg, 'g', 'y-axis')
    .attr('transform', `translate(${left},0)`)
    .call(axisLeft(y).ticks(4, log ? '~g' : '~r'));

  const path = line<Point>()
    .defined((p) => usable(p.value))
    .x((p) => x(p.epoch))
    .y((p) => y(p.value));
  const points = (s: readonly number[]): Point[] => s.map((value, i) => ({ epoch: i + 1, value }));
  const curves = layer<SVGGElement>(svg, 'g', 'curves');
  layer<SVGPathElement>(curves, 'path', 'train-line')
    .attr('d', path(points(o.train)) ?? '')
    .attr('fill', 'none')
    .attr('stroke', TRAIN_COLOUR)
    .attr('stroke-width', 2);
  layer<SVGPathElement>(curves, 'path', 'val-line')
    .attr('d', path(points(o.validation)) ?? '')
    .attr('fill', 'none')
    .attr('stroke', VAL_COLOUR)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', '5 3');

  // A line through one point is invisible: show lone epochs as dots until there are two.
  const lone = [
    ...(o.train.length === 1 ? points(o.train).map((p) => ({ ...p, cls: 'train-point', colour: TRAIN_COLOUR })) : []),
    ...(o.validation.length === 1 ? points(o.validation).map((p) => ({ ...p, cls: 'val-point', colour: VAL_COLOUR })) : []),
  ].filter((p) => usable(p.value));
  curves
    .selectAll<SVGCircleElement, (typeof lone)[number]>('circle.point')
    .data(lone)
    .join('circle')
    .attr('class', (p) => `point ${p.cls}`)
    .attr('cx', (p) => x(p.epoch))
    .attr('cy', (p) => y(p.value))
    .attr('r', 2.5)
    .attr('fill', (p) => p.colour);

  const bestValue = o.bestEpoch !== null && o.bestEpoch >= 1 ? o.validation[o.bestEpoch - 1] : undefined;
  const best: Point[] = o.bestEpoch !== null && bestValue !== undefined && usable(bestValue) ? [{ epoch: o.bestEpoch, value: bestValue }] : [];
  const marker = curves
    .selectAll<SVGCircleElement, Point>('circle.best-marker')
    .data(best)
    .join((enter) => {
      const c = enter.append('circle').attr('class', 'best-marker');
      c.append('title');
      return c;
    })
    .attr('cx', (p) => x(p.epoch))
    .attr('cy', (p) => y(p.value))
    .attr('r', 4.5)
    .attr('fill', 'none')
    .attr('stroke', '#212529')
    .attr('stroke-width', 1.5)
    .attr('data-epoch', (p) => p.epoch);
  marker.select('title').text((p) => `best validation epoch ${p.epoch}: ${format('.4~g')(p.value)}`);

  const legend = layer<SVGGElement>(svg, 'g', 'legend').attr('transform', `translate(${Math.max(left, right - 168)},${margin.top - 12})`);
  lineLegend(legend, [
    { label: 'train', colour: TRAIN_COLOUR, dash: null, x: 0 },
    { label: 'validation', colour: VAL_COLOUR, dash: '5 3', x: 62 },
    { label: 'best', colour: '#212529', dash: null, x: 140, marker: true },
  ]);

  axisTitles(svg, { x: 'epoch', xCentre: (left + right) / 2, xBaseline: height - 3, y: o.yLabel, yCentre: (bottom + margin.top) / 2 });
}
