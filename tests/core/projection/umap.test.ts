/**
 * UMAP from the app's exact neighbour lists: the input rows it builds (self first at distance 0,
 * then the nearest others, square roots of squared L2), and a layout that keeps planted clusters
 * apart, which a layout fed the wrong neighbours (shuffled indices) does not: the test can fail.
 */
import { describe, expect, it } from 'vitest';
import { buildNeighbourTable } from '../../../src/core/knn/neighbourTable.ts';
import { umapLayout, umapNeighbours } from '../../../src/core/projection/umap.ts';
import { seededRandom } from '../../../src/core/random.ts';

/** n points in `clusters` tight, far-apart groups in d dimensions; labels by index mod clusters. */
function clustered(n: number, d: number, clusters: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: d }, () => 10 * (random() * 2 - 1)));
  return Float32Array.from({ length: n * d }, (_, i) => centres[Math.floor(i / d) % clusters]![i % d]! + 0.5 * (random() * 2 - 1));
}

/** Share of points whose nearest other point on the layout has their label. */
function layoutPurity(xy: Float32Array, n: number, clusters: number): number {
  let same = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (xy[i * 2]! - xy[j * 2]!) ** 2 + (xy[i * 2 + 1]! - xy[j * 2 + 1]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    if (best % clusters === i % clusters) same++;
  }
  return same / n;
}

describe('umapNeighbours', () => {
  it('puts each point first at distance 0, then its nearest others; L2 distances as square roots', async () => {
    const x = Float32Array.from([0, 0, 3, 4, 6, 8, 0, 1]);
    const table = await buildNeighbourTable(x, 4, 2, 3);
    const { indices, distances } = umapNeighbours(table.l2, 4, 'l2', 3);
    expect(indices[0]).toEqual([0, 3, 1]);
    expect(distances[0]).toEqual([0, 1, 5]);
    expect(indices[2]).toEqual([2, 1, 3]);
    expect(distances[2]![1]).toBeCloseTo(5, 12);
  });
});

describe('umapLayout', () => {
  it('keeps planted clusters apart, and does not when fed shuffled neighbours', async () => {
    const n = 120;
    const clusters = 4;
    const x = clustered(n, 16, clusters, 5);
    const table = await buildNeighbourTable(x, n, 16, 20);
    const rows = Array.from({ length: n }, (_, i) => [i]);
    const progress: number[] = [];
    const xy = await umapLayout(table.cosine, n, 'cosine', rows, { epochs: 200, onProgress: (done) => void progress.push(done) });
    expect(xy).toHaveLength(2 * n);
    expect(layoutPurity(xy, n, clusters)).toBeGreaterThan(0.97);
    expect(progress.at(-1)).toBe(200);
    // The same seed gives the same layout.
    expect(await umapLayout(table.cosine, n, 'cosine', rows, { epochs: 200 })).toEqual(xy);

    const random = seededRandom(3);
    const shuffled = { ...table.cosine, index: table.cosine.index.map((j) => (j + 1 + Math.floor(random() * (n - 1))) % n) };
    const wrong = await umapLayout(shuffled, n, 'cosine', rows, { epochs: 200 });
    expect(layoutPurity(wrong, n, clusters)).toBeLessThan(0.6);
  });
});
