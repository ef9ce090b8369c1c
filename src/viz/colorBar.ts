/** A horizontal colour bar for the loss scale, with an axis in the loss's units. */
import { axisBottom, scaleLinear, select } from 'd3';
import { lossColorScale } from './colorScale.ts';
import { finiteSize, layer, sizeSvg } from './svgLayers.ts';

export interface ColorBarOptions {
  /** The colour domain, as given to `lossColorScale`. */
  readonly domain: readonly [number, number];
  /** Axis label with units, e.g. "patch MSE (standardised units)". */
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** Approximate number of axis ticks. */
  readonly ticks: number;
  /**
   * Marks the top end as saturating (a small arrow after the bar, with a tooltip): set when the
   * domain's top is a percentile (see `robustMax`) rather than the maximum.
   */
  readonly clippedTop?: boolean;
}

const STOPS = 16;
const gradientIds = new WeakMap<SVGSVGElement, string>();
let gradientCounter = 0;

/**
 * Draws (or updates in place) the bar into `svgElement`. The svg gets class `color-bar`; the
 * gradient rectangle `color-bar-gradient`, the axis group `color-bar-axis`, the label
 * `color-bar-label`.
 */
export function renderColorBar(svgElement: SVGSVGElement, o: ColorBarOptions): void {
  const width = finiteSize(o.width);
  const height = finiteSize(o.height);
  const margin = { left: 12, right: 18, top: 2 };
  const barHeight = 12;
  const svg = select(svgElement).classed('color-bar', true);
  sizeSvg(svg, width, height);
  let id = gradientIds.get(svgElement);
  if (!id) {
    id = `loss-gradient-${++gradientCounter}`;
    gradientIds.set(svgElement, id);
  }
  const scale = lossColorScale(o.domain);
  const [lo, hi] = o.domain;
  const defs = layer<SVGDefsElement>(svg, 'defs', 'color-bar-defs');
  const gradient = layer<SVGLinearGradientElement>(defs, 'linearGradient', 'color-bar-stops').attr('id', id);
  gradient
    .selectAll<SVGStopElement, number>('stop')
    .data(Array.from({ length: STOPS + 1 }, (_, i) => i / STOPS))
    .join('stop')
    .attr('offset', (t) => `${(t * 100).toFixed(2)}%`)
    .attr('stop-color', (t) => scale(lo + (hi - lo) * t));
  const x0 = margin.left;
  const x1 = Math.max(x0, width - margin.right);
  layer<SVGRectElement>(svg, 'rect', 'color-bar-gradient')
    .attr('x', x0)
    .attr('y', margin.top)
    .attr('width', x1 - x0)
    .attr('height', barHeight)
    .attr('fill', `url(#${id})`);
  const x = scaleLinear().domain([lo, hi]).range([x0, x1]);
  layer<SVGGElement>(svg, 'g', 'color-bar-axis')
    .attr('transform', `translate(0,${margin.top + barHeight})`)
    .call(axisBottom(x).ticks(Math.max(1, Math.round(o.ticks))));
  const clip = svg
    .selectAll<SVGTextElement, number>('text.color-bar-clip')
    .data(o.clippedTop === true ? [1] : [])
    .join('text')
    .attr('class', 'color-bar-clip')
    .attr('x', x1 + 3)
    .attr('y', margin.top + barHeight - 2)
    .attr('font-size', 10)
    .text('▸');
  clip.selectAll('title').data([null]).join('title').text('values above the top of the scale share its colour');
  layer<SVGTextElement>(svg, 'text', 'color-bar-label')
    .attr('x', width / 2)
    .attr('y', Math.max(0, height - 2))
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text(o.label);
}
