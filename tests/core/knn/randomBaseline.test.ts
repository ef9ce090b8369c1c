/**
 * The random-map baseline against numpy: the same Gaussian matrix (written out by the test), the
 * product and a brute-force neighbour search there (cosine, self excluded, ties to the lower
 * index) give the same per-image overlaps as the app's projection, neighbour table and KNOR.
 */
import { describe, expect, it } from 'vitest';
import { npyFloat32 } from '../../../src/core/export/npy.ts';
import { knor } from '../../../src/core/knn/knor.ts';
import { buildNeighbourTable, selectNeighbours } from '../../../src/core/knn/neighbourTable.ts';
import { baselineSeed, gaussianMatrix, projectRows } from '../../../src/core/knn/randomBaseline.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { runPython, tempFile } from '../export/python.ts';

const NUMPY_BASELINE = `import json, sys, numpy as np
x = np.load(sys.argv[1]).astype(np.float64)
g = np.load(sys.argv[2]).astype(np.float64)
k = int(sys.argv[3])
def neighbours(v):
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    d = 1 - u @ u.T
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind='stable')[:, :k]
pre, post = neighbours(x), neighbours(x @ g)
print(json.dumps([len(set(a) & set(b)) / k for a, b in zip(pre.tolist(), post.tolist())]))`;

describe('random-map baseline', () => {
  it('gives the per-image overlaps numpy computes from the same matrix', async () => {
    const n = 80;
    const dIn = 24;
    const dOut = 10;
    const k = 5;
    const random = seededRandom(11);
    const x = Float32Array.from({ length: n * dIn }, () => random() * 2 - 1);
    const g = gaussianMatrix(dIn, dOut, baselineSeed(0));
    const mapped = projectRows(x, n, dIn, g, dOut);
    const nnPre = selectNeighbours(await buildNeighbourTable(x, n, dIn), k, 'cosine', false);
    const nnPost = selectNeighbours(await buildNeighbourTable(mapped, n, dOut), k, 'cosine', false);
    const ours = knor(nnPre, nnPost, n, k);
    const numpy = JSON.parse(
      runPython(NUMPY_BASELINE, [tempFile('x.npy', npyFloat32(x, [n, dIn])), tempFile('g.npy', npyFloat32(g, [dIn, dOut])), String(k)]),
    ) as number[];
    expect(Array.from(ours.perImage, (v) => Math.round(v * k))).toEqual(numpy.map((v) => Math.round(v * k)));
    // A map to 10 of 24 dimensions loses neighbours; the baseline is informative, not trivially 1.
    expect(ours.mean).toBeGreaterThan(0.1);
    expect(ours.mean).toBeLessThan(0.9);
  });

  it('draws standard normal entries, different per seed and the same for the same seed', () => {
    const g = gaussianMatrix(100, 101, 3);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const variance = g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(gaussianMatrix(100, 101, 3)).toEqual(g);
    expect(gaussianMatrix(100, 101, 4)).not.toEqual(g);
  });

  it('projects rows as a matrix product does', () => {
    const x = Float32Array.from([1, 2, 0, -1, 0.5, 3]);
    const g = Float32Array.from([1, 0, 2, 0, 1, -1, 4, 2, 0]);
    // [[1, 2, 0], [-1, 0.5, 3]] @ [[1, 0, 2], [0, 1, -1], [4, 2, 0]]
    expect(Array.from(projectRows(x, 2, 3, g, 3))).toEqual([1, 2, 0, 11, 6.5, -2.5]);
    expect(() => projectRows(x, 3, 3, g, 3)).toThrow(/do not match/);
  });
});
