/**
 * The two sparse autoencoders' training loss against the optimiser step, before the connector
 * and after it in their colours (blue and violet, as everywhere), on a log scale: the loss falls
 * over orders of magnitude. Per-step losses are noisy mini-batch figures, so each curve is drawn
 * through the means of equal runs of steps (binnedMeans).
 */
import { axisBottom, axisLeft, line, scaleLinear, scaleLog, select } from 'd3';
import { lossExtent } from './lossCurve.ts';
import { axisTitles, finiteSize, layer, lineLegend, sizeSvg } from './svgLayers.ts';

export interface SaeLossCurveOptions {
  /** Loss per step of the SAE before the connector (step 1 first), and after it. */
  readonly before: readonly number[];
  readonly after: readonly number[];
  readonly width: number;
  readonly height: number;
  /** At most this many points a curve. */
  readonly bins?: number;
}

export interface StepPoint {
  /** The middle step of the run (1-based). */
  readonly step: number;
  readonly value: number;
}

/** The means of `bins` equal runs of the finite values (fewer when there are fewer values), each at its run's middle step. */
export function binnedMeans(values: readonly number[], bins: number): StepPoint[] {
  const n = values.length;
  const count = Math.max(1, Math.min(Math.floor(bins), n));
  const out: StepPoint[] = [];
  for (let b = 0; b < count && n > 0; b++) {
    const from = Math.floor((b * n) / count);
    const to = Math.floor(((b + 1) * n) / count);
    let sum = 0;
    let finite = 0;
    for (let i = from; i < to; i++)
      if (Number.isFinite(values[i]!)) {
        sum += values[i]!;
        finite += 1;
      }
    if (finite > 0) out.push({ step: (from + 1 + to) / 2, value: sum / finite });
  }
  return out;
}

/** Draws (or updates in place) both curves. Stable hooks: `path.before-line`, `path.after-line`, `g.legend`. */
export function renderSaeLossCurve(svgElement: SVGSVGElement, o: SaeLossCurveOptions): void {
  const width = finiteSize(o.width);
  const height = finiteSize(o.height);
  const margin = { top: 22, right: 12, bottom: 32, left: 46 };
  const bins = o.bins ?? 120;
  const before = binnedMeans(o.before, bins);
  const after = binnedMeans(o.after, bins);
  const steps = Math.max(o.before.length, o.after.length, 2);
  const left = margin.left;
  const right = Math.max(left + 1, width - margin.right);
  const bottom = Math.max(margin.top + 1, height - margin.bottom);
  const x = scaleLinear().domain([1, steps]).range([left, right]);
  const [lo, hi] = lossExtent([before.map((p) => p.value), after.map((p) => p.value)], true);
  const y = scaleLog().domain([lo, hi]).nice().range([bottom, margin.top]);
  const svg = select(svgElement).classed('sae-loss-curve', true);
  sizeSvg(svg, width, height);
  layer<SVGGElement>(svg, 'g', 'x-axis').attr('transform', `translate(0,${bottom})`).call(axisBottom(x).ticks(5, '~s'));
  layer<SVGGElement>(svg, 'g', 'y-axis').attr('transform', `translate(${left},0)`).call(axisLeft(y).ticks(4, '~g'));
  const path = line<StepPoint>()
    .defined((p) => p.value > 0)
    .x((p) => x(p.step))
    .y((p) => y(p.value));
  const curves = layer<SVGGElement>(svg, 'g', 'curves');
  layer<SVGPathElement>(curves, 'path', 'before-line')
    .attr('d', path(before) ?? '')
    .attr('fill', 'none')
    .attr('stroke', 'var(--pre, #1971c2)')
    .attr('stroke-width', 2);
  layer<SVGPathElement>(curves, 'path', 'after-line')
    .attr('d', path(after) ?? '')
    .attr('fill', 'none')
    .attr('stroke', 'var(--post, #7048e8)')
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', '5 3');
  const legend = layer<SVGGElement>(svg, 'g', 'legend').attr('transform', `translate(${Math.max(left, right - 150)},${margin.top - 12})`);
  lineLegend(legend, [
    { label: 'before', colour: 'var(--pre, #1971c2)', dash: null, x: 0 },
    { label: 'after', colour: 'var(--post, #7048e8)', dash: '5 3', x: 78 },
  ]);
  axisTitles(svg, { x: 'step', xCentre: (left + right) / 2, xBaseline: height - 3, y: 'training loss', yCentre: (bottom + margin.top) / 2 });
}
