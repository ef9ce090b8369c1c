/**
 * Map geometry against brute force: the fit keeps every point inside the padded canvas and
 * centres the box, pixels and data round-trip, the lasso picks what an even–odd ray cast does, and
 * neighbour links mark as kept exactly the neighbours shared by both lists (as many as KNOR × k).
 */
import { describe, expect, it } from 'vitest';
import { knor } from '../../src/core/knn/knor.ts';
import { seededRandom } from '../../src/core/random.ts';
import { fitView, neighbourLinks, pointsInPolygon, toData, toPixel, zoomed } from '../../src/viz/mapView.ts';

function randomPoints(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 50 * r() - 10 : 3 * r() + 7));
}

function evenOdd([x, y]: readonly [number, number], polygon: readonly (readonly [number, number])[]): boolean {
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

describe('fitView', () => {
  it('puts every point inside the padded canvas, box centred, axes equally scaled', () => {
    const xy = randomPoints(500, 3);
    const view = fitView(xy, 600, 400, 20);
    const px = Array.from({ length: 500 }, (_, i) => toPixel(view, xy[i * 2]!, xy[i * 2 + 1]!));
    const xs = px.map((p) => p[0]);
    const ys = px.map((p) => p[1]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(20 - 1e-6);
    expect(Math.max(...xs)).toBeLessThanOrEqual(580 + 1e-6);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(20 - 1e-6);
    expect(Math.max(...ys)).toBeLessThanOrEqual(380 + 1e-6);
    // The wide box fills the width; the box is centred both ways.
    expect(Math.max(...xs) - Math.min(...xs)).toBeCloseTo(560, 3);
    expect((Math.max(...ys) + Math.min(...ys)) / 2).toBeCloseTo(200, 3);
    // Data y points up: the largest y is drawn highest.
    const top = ys.indexOf(Math.min(...ys));
    expect(xy[top * 2 + 1]).toBe(Math.max(...Array.from({ length: 500 }, (_, i) => xy[i * 2 + 1]!)));
  });

  it('survives one point, no points and non-finite coordinates', () => {
    expect(fitView(new Float32Array([2, 3]), 100, 100)).toEqual({ scale: 1, offsetX: 48, offsetY: 53 });
    expect(fitView(new Float32Array(0), 100, 80)).toEqual({ scale: 1, offsetX: 50, offsetY: 40 });
    const view = fitView(new Float32Array([0, 0, NaN, 1, 10, 10]), 116, 116, 8);
    expect(view.scale).toBeCloseTo(10);
  });

  it('round-trips pixels and data under any zoom', () => {
    const view = zoomed(fitView(randomPoints(50, 1), 300, 200), { k: 3.5, x: -120, y: 44 });
    const [px, py] = toPixel(view, 12.5, 8.25);
    const [x, y] = toData(view, px, py);
    expect(x).toBeCloseTo(12.5, 9);
    expect(y).toBeCloseTo(8.25, 9);
  });
});

describe('pointsInPolygon', () => {
  it('picks the points an even–odd ray cast puts inside, for a concave polygon', () => {
    const xy = randomPoints(2000, 9);
    const star: [number, number][] = Array.from({ length: 10 }, (_, s) => {
      const angle = (s / 10) * 2 * Math.PI;
      const radius = s % 2 === 0 ? 20 : 6;
      return [15 + radius * Math.cos(angle), 8.5 + (radius / 10) * Math.sin(angle)];
    });
    const expected = Array.from({ length: 2000 }, (_, i) => i).filter((i) => evenOdd([xy[i * 2]!, xy[i * 2 + 1]!], star));
    expect(expected.length).toBeGreaterThan(50);
    expect(pointsInPolygon(xy, star)).toEqual(expected);
    expect(pointsInPolygon(xy, star.slice(0, 2))).toEqual([]);
  });
});

describe('neighbourLinks', () => {
  it('marks as kept exactly the shared neighbours, KNOR × k of them, in map order', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const k = 3;
    const nnPre = Int32Array.from([1, 2, 3, 0, 2, 4, 0, 1, 5, 0, 4, 5, 3, 1, 0, 4, 3, 2]);
    const nnPost = Int32Array.from([2, 4, 5, 0, 2, 4, 5, 4, 3, 0, 1, 2, 3, 5, 2, 0, 1, 2]);
    const { perImage } = knor(nnPre, nnPost, ids.length, k);
    const mapIds = [...ids].reverse(); // the map may order images differently
    for (const [row, id] of ids.entries()) {
      const pre = neighbourLinks(mapIds, { ids, k, nnPre, nnPost }, id, 'pre');
      const post = neighbourLinks(mapIds, { ids, k, nnPre, nnPost }, id, 'post');
      expect(pre.map((l) => mapIds[l.to])).toEqual(Array.from(nnPre.subarray(row * k, row * k + k), (j) => ids[j]));
      expect(pre.filter((l) => l.kept)).toHaveLength(Math.round(perImage[row]! * k));
      expect(post.filter((l) => l.kept)).toHaveLength(Math.round(perImage[row]! * k));
      for (const link of pre) expect(link.kept).toBe(Array.from(nnPost.subarray(row * k, row * k + k)).includes(ids.indexOf(mapIds[link.to]!)));
    }
    expect(neighbourLinks(mapIds, { ids, k, nnPre, nnPost }, 'zz', 'pre')).toEqual([]);
  });

  it('does not link the query to itself in paper-compatible self mode', () => {
    const ids = ['a', 'b', 'c'];
    const links = neighbourLinks(ids, { ids, k: 2, nnPre: Int32Array.from([0, 1, 1, 0, 2, 0]), nnPost: Int32Array.from([0, 2, 1, 2, 2, 1]) }, 'a', 'pre');
    expect(links).toEqual([{ to: 1, kept: false, rank: 2 }]);
  });
});
