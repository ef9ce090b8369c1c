/**
 * The geometry of a map view, apart from drawing: fitting the points into the canvas, composing
 * the fit with the user's pan and zoom, going back from a pixel to data, the points inside a
 * lasso, and the lines from a selected image to its neighbours (kept or lost across the connector).
 */
import { polygonContains } from 'd3';
import type { ViewTransform } from './scatterRenderer.ts';

/** d3-zoom's transform: pixel = k * fitted + (x, y). */
export interface Zoom {
  readonly k: number;
  readonly x: number;
  readonly y: number;
}

/** Scales and centres the points' bounding box into width × height with `padding` CSS px on every side; equal scale on both axes (the map is not stretched). */
export function fitView(xy: Float32Array, width: number, height: number, padding = 16): ViewTransform {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!;
    const y = xy[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  if (minX > maxX) return { scale: 1, offsetX: width / 2, offsetY: height / 2 };
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const usableW = Math.max(width - 2 * padding, 1);
  const usableH = Math.max(height - 2 * padding, 1);
  // One point, or all on one spot: any scale shows them; 1 keeps the centre maths finite.
  const scale = spanX === 0 && spanY === 0 ? 1 : Math.min(spanX > 0 ? usableW / spanX : Infinity, spanY > 0 ? usableH / spanY : Infinity);
  return { scale, offsetX: width / 2 - ((minX + maxX) / 2) * scale, offsetY: height / 2 + ((minY + maxY) / 2) * scale };
}

export function zoomed(fit: ViewTransform, zoom: Zoom): ViewTransform {
  return { scale: fit.scale * zoom.k, offsetX: fit.offsetX * zoom.k + zoom.x, offsetY: fit.offsetY * zoom.k + zoom.y };
}

export function toPixel(view: ViewTransform, x: number, y: number): [number, number] {
  return [x * view.scale + view.offsetX, -y * view.scale + view.offsetY];
}

export function toData(view: ViewTransform, px: number, py: number): [number, number] {
  return [(px - view.offsetX) / view.scale, -(py - view.offsetY) / view.scale];
}

/** Indices of the points inside the polygon (vertices in data coordinates); fewer than three vertices contain nothing. */
export function pointsInPolygon(xy: Float32Array, polygon: readonly (readonly [number, number])[]): number[] {
  if (polygon.length < 3) return [];
  const ring = polygon.map(([x, y]) => [x, y] as [number, number]);
  const inside: number[] = [];
  for (let i = 0; i < xy.length / 2; i++) if (polygonContains(ring, [xy[i * 2]!, xy[i * 2 + 1]!])) inside.push(i);
  return inside;
}

export interface NeighbourLink {
  /** Point index (in the map's row order) of the neighbour. */
  readonly to: number;
  /** Also a neighbour in the other space (kept across the connector). */
  readonly kept: boolean;
  readonly rank: number;
}

export interface NeighbourLists {
  readonly ids: readonly string[];
  readonly k: number;
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
}

/**
 * The selected image's neighbours in one space as links between map points: `kept` when the
 * neighbour is also among its neighbours in the other space. The neighbour lists and the map may
 * order images differently (a KNOR at a new k reuses the map), so ids translate between them.
 * The query itself (paper-compatible self mode) is not linked to itself.
 */
export function neighbourLinks(mapIds: readonly string[], lists: NeighbourLists, selectedId: string, space: 'pre' | 'post'): NeighbourLink[] {
  const row = lists.ids.indexOf(selectedId);
  if (row < 0) return [];
  const own = space === 'pre' ? lists.nnPre : lists.nnPost;
  const other = space === 'pre' ? lists.nnPost : lists.nnPre;
  const otherSet = new Set<number>();
  for (let r = 0; r < lists.k; r++) otherSet.add(other[row * lists.k + r]!);
  const mapIndex = new Map(mapIds.map((id, i) => [id, i]));
  const links: NeighbourLink[] = [];
  for (let r = 0; r < lists.k; r++) {
    const neighbour = own[row * lists.k + r]!;
    if (neighbour < 0 || neighbour === row) continue;
    const to = mapIndex.get(lists.ids[neighbour]!);
    if (to !== undefined) links.push({ to, kept: otherSet.has(neighbour), rank: r + 1 });
  }
  return links;
}
