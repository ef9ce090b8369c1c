/**
 * Histogram of per-image KNOR. With k neighbours an image can only keep j = 0..k of them, so
 * KNOR takes the k + 1 values j / k: one bar per achievable value, never bins that straddle them.
 */
import { axisBottom, axisLeft, format, scaleBand, scaleLinear, select } from 'd3';
import { axisTitles, finiteSize, layer, sizeSvg } from './svgLayers.ts';

/**
 * Images per overlap count: bin j counts values with `round(value * k) === j`, j in 0..k.
 * Rounding to the nearest integer absorbs float error (a Float32 0.7 times 10 is 6.99999...);
 * values outside [0, 1] are clamped into the end bins; non-finite values are skipped.
 */
export function knorBins(values: ArrayLike<number>, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`knorBins: k must be a positive integer, got ${k}`);
  const bins = new Int32Array(k + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const j = Math.max(0, Math.min(k, Math.round(v * k)));
    bins[j] = bins[j]! + 1;
  }
  return bins;
}

/** Label for the achievable value j / k: at most two decimals, trailing zeros dropped. */
export const knorTickLabel = (j: number, k: number): string => format('.2~f')(j / k);

export interface HistogramOptions {
  /** Per-image KNOR in [0, 1]. */
  readonly values: ArrayLike<number>;
  /** Neighbours per image. */
  readonly k: number;
  /** Mean KNOR, drawn as a dashed line. */
  readonly mean: number;
  readonly width: number;
  readonly height: number;
  /** KNOR of the selected image: its bar gets class `highlighted`. */
  readonly highlight?: number;
}

interface BarDatum {
  readonly j: number;
  readonly count: number;
}

/**
 * Draws (or updates in place) the histogram. Stable hooks for tests: bars are `rect.bar` with
 * `data-count` (images in the bar) and `data-overlap` (j); the selected image's bar also has
 * class `highlighted`; the mean is `line.mean-line` with `text.mean-label`.
 */
export function renderKnorHistogram(svgElement: SVGSVGElement, o: HistogramOptions): void {
  const width = finiteSize(o.width);
  const height = finiteSize(o.height);
  const margin = { top: 16, right: 12, bottom: 36, left: 38 };
  const bins = knorBins(o.values, o.k);
  const data: BarDatum[] = Array.from(bins, (count, j) => ({ j, count }));
  const maxCount = Math.max(1, ...bins);
  const left = margin.left;
  const right = Math.max(left + 1, width - margin.right);
  const bottom = Math.max(margin.top + 1, height - margin.bottom);
  const x = scaleBand<number>()
    .domain(data.map((d) => d.j))
    .range([left, right])
    .padding(0.1);
  const y = scaleLinear().domain([0, maxCount]).nice().range([bottom, margin.top]);
  const highlightBin = o.highlight === undefined || !Number.isFinite(o.highlight) ? -1 : Math.max(0, Math.min(o.k, Math.round(o.highlight * o.k)));

  const svg = select(svgElement).classed('knor-histogram', true);
  sizeSvg(svg, width, height);

  layer<SVGGElement>(svg, 'g', 'bars')
    .selectAll<SVGRectElement, BarDatum>('rect.bar')
    .data(data, (d) => d.j)
    .join((enter) => {
      const r = enter.append('rect');
      r.append('title');
      return r;
    })
    .attr('class', (d) => (d.j === highlightBin ? 'bar highlighted' : 'bar'))
    .attr('data-count', (d) => d.count)
    .attr('data-overlap', (d) => d.j)
    .attr('x', (d) => x(d.j) ?? 0)
    .attr('width', x.bandwidth())
    .attr('y', (d) => y(d.count))
    .attr('height', (d) => Math.max(0, y(0) - y(d.count)))
    .attr('fill', (d) => (d.j === highlightBin ? '#e8590c' : '#4c6ef5'))
    .select('title')
    .text((d) => `${d.count} image${d.count === 1 ? '' : 's'} keep ${d.j} of ${o.k} neighbours (KNOR ${knorTickLabel(d.j, o.k)})`);

  // At most ~11 labelled ticks, always including 0 and k.
  const every = Math.ceil((o.k + 1) / 11);
  const tickValues = x.domain().filter((j) => j % every === 0 || j === o.k);
  if (tickValues.length >= 2) {
    const last = tickValues[tickValues.length - 1]!;
    const prev = tickValues[tickValues.length - 2]!;
    if (last === o.k && last - prev < every) tickValues.splice(tickValues.length - 2, 1);
  }
  layer<SVGGElement>(svg, 'g', 'x-axis')
    .attr('transform', `translate(0,${bottom})`)
    .call(
      axisBottom(x)
        .tickValues(tickValues)
        .tickFormat((j) => knorTickLabel(j, o.k)),
    );
  layer<SVGGElement>(svg, 'g', 'y-axis')
    .attr('transform', `translate(${left},0)`)
    .call(
      axisLeft(y)
        .tickValues(y.ticks(Math.min(4, maxCount)).filter(Number.isInteger))
        .tickFormat(format('d')),
    );
  axisTitles(svg, {
    x: 'KNOR (share of k neighbours kept)',
    xCentre: (left + right) / 2,
    xBaseline: height - 4,
    y: 'images',
    yCentre: (bottom + margin.top) / 2,
  });

  // The mean is a continuous value: place it on the line through the bar centres (j -> centre of band j).
  const hasMean = Number.isFinite(o.mean);
  const meanX = hasMean ? (x(0) ?? left) + x.bandwidth() / 2 + Math.max(0, Math.min(1, o.mean)) * o.k * x.step() : 0;
  svg
    .selectAll<SVGLineElement, number>('line.mean-line')
    .data(hasMean ? [meanX] : [])
    .join('line')
    .attr('class', 'mean-line')
    .attr('x1', (d) => d)
    .attr('x2', (d) => d)
    .attr('y1', margin.top - 4)
    .attr('y2', bottom)
    .attr('stroke', '#212529')
    .attr('stroke-width', 1.5)
    .attr('stroke-dasharray', '4 3');
  const nearRight = meanX > (left + right) / 2;
  svg
    .selectAll<SVGTextElement, number>('text.mean-label')
    .data(hasMean ? [meanX] : [])
    .join('text')
    .attr('class', 'mean-label')
    .attr('x', (d) => (nearRight ? d - 4 : d + 4))
    .attr('y', margin.top - 5)
    .attr('text-anchor', nearRight ? 'end' : 'start')
    .attr('font-size', 11)
    .text(`mean ${format('.2f')(o.mean)}`);
}
