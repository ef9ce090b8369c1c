/**
 * Small helpers shared by the SVG renderers: find-or-create a classed child, so that a chart
 * redrawn many times reuses its elements instead of rebuilding them.
 */
import { select, type Selection } from 'd3';

/** A d3 selection of one element with no bound parent (what `select(element)` returns). */
export type Root<T extends Element> = Selection<T, unknown, null, undefined>;

/**
 * The first direct child of `parent` that is a `tag` element carrying class `cls`, created and
 * appended when missing. Repeated calls return the same element.
 */
export function layer<T extends Element>(parent: { node(): Element | null }, tag: string, cls: string): Root<T> {
  const node = parent.node();
  if (!node) throw new Error('layer: empty parent selection');
  for (const child of Array.from(node.children)) {
    if (child.tagName.toLowerCase() === tag.toLowerCase() && hasClass(child, cls)) return select(child as T);
  }
  return select(node).append<T>(tag).attr('class', cls);
}

/** Width and height written onto the root `<svg>`; non-finite or negative sizes become 0. */
export function sizeSvg(svg: Root<SVGSVGElement>, width: number, height: number): void {
  svg.attr('width', finiteSize(width)).attr('height', finiteSize(height));
}

export function finiteSize(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Whether an element's class attribute lists `cls` (works for SVG elements too). */
export function hasClass(el: Element, cls: string): boolean {
  return (el.getAttribute('class') ?? '').split(/\s+/).includes(cls);
}

/** Axis titles: x centred under the plot at baseline `xBaseline`, y rotated, centred on `yCentre`. */
export function axisTitles(svg: Root<SVGSVGElement>, o: { x: string; xCentre: number; xBaseline: number; y: string; yCentre: number }): void {
  layer<SVGTextElement>(svg, 'text', 'x-label')
    .attr('x', o.xCentre)
    .attr('y', Math.max(0, o.xBaseline))
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text(o.x);
  layer<SVGTextElement>(svg, 'text', 'y-label')
    .attr('transform', `translate(11,${o.yCentre}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text(o.y);
}

/** One legend entry: a short line in the series' colour and dash, or a marker circle, then its label, at `x`. */
export interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  readonly dash: string | null;
  readonly x: number;
  /** A ring (a marked point, e.g. the best epoch) instead of a line. */
  readonly marker?: boolean;
}

/** Draws (or updates in place) the entries in `legend`, one `g.legend-item` each, joined by label. */
export function lineLegend(legend: Root<SVGGElement>, entries: readonly LegendEntry[]): void {
  const item = legend
    .selectAll<SVGGElement, LegendEntry>('g.legend-item')
    .data(entries, (e) => e.label)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'legend-item');
      g.append('line');
      g.append('circle');
      g.append('text');
      return g;
    })
    .attr('transform', (e) => `translate(${e.x},0)`);
  item
    .select('line')
    .attr('x1', 0)
    .attr('x2', (e) => (e.marker ? 0 : 18))
    .attr('y1', 0)
    .attr('y2', 0)
    .attr('stroke', (e) => e.colour)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', (e) => e.dash);
  item
    .select('circle')
    .attr('cx', 4)
    .attr('cy', 0)
    .attr('r', (e) => (e.marker ? 4 : 0))
    .attr('fill', 'none')
    .attr('stroke', (e) => e.colour)
    .attr('stroke-width', 1.5);
  item
    .select('text')
    .attr('x', (e) => (e.marker ? 11 : 22))
    .attr('y', 0)
    .attr('dy', '0.32em')
    .attr('font-size', 11)
    .text((e) => e.label);
}
