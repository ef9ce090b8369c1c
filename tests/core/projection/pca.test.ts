/**
 * Principal components against numpy's SVD of the same centred (and, for cosine, unit-length)
 * rows: coordinates, explained shares and the sign rule, on data with a known spectrum and on
 * awkward shapes (fewer rows than dimensions, one dimension, identical rows).
 */
import { describe, expect, it } from 'vitest';
import { npyFloat32 } from '../../../src/core/export/npy.ts';
import { principalComponents, symmetricEigen } from '../../../src/core/projection/pca.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { runPython, tempFile } from '../export/python.ts';

const NUMPY_PCA = `import json, sys, numpy as np
x = np.load(sys.argv[1]).astype(np.float64)
normalize = sys.argv[2] == '1'
components = int(sys.argv[3])
if normalize:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
xc = x - x.mean(axis=0)
u, s, vt = np.linalg.svd(xc, full_matrices=False)
coords = u[:, :components] * s[:components]
largest = np.argmax(np.abs(coords), axis=0)
coords *= np.sign(coords[largest, range(coords.shape[1])])
total = (xc ** 2).sum()
print(json.dumps({'coords': coords.ravel().tolist(), 'explained': ((s[:components] ** 2) / total).tolist()}))`;

function numpyPca(x: Float32Array, n: number, d: number, normalize: boolean, components = 2): { coords: number[]; explained: number[] } {
  const file = tempFile('x.npy', npyFloat32(x, [n, d]));
  return JSON.parse(runPython(NUMPY_PCA, [file, normalize ? '1' : '0', String(components)])) as { coords: number[]; explained: number[] };
}

/** Rows with a decaying spectrum along random directions, plus an offset (so centring matters). */
function spectrumData(n: number, d: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * d);
  const offset = Float32Array.from({ length: d }, () => 3 * g());
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = offset[j]! + g() * 4 * 0.8 ** j;
  return x;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('principalComponents', () => {
  it.each([
    { n: 288, d: 64, normalize: false },
    { n: 288, d: 64, normalize: true },
    { n: 40, d: 300, normalize: true },
    { n: 500, d: 3, normalize: false },
  ])('equals numpy SVD for $n rows of $d (normalize $normalize)', ({ n, d, normalize }) => {
    const x = spectrumData(n, d, n + d);
    const ours = principalComponents(x, n, d, { normalize });
    const numpy = numpyPca(x, n, d, normalize);
    const spread = Math.max(...numpy.coords.map(Math.abs));
    expect(maxAbsDifference(ours.coords, numpy.coords) / spread).toBeLessThan(1e-5);
    expect(maxAbsDifference(ours.explained, numpy.explained)).toBeLessThan(1e-7);
    expect(ours.explained[0]!).toBeGreaterThan(ours.explained[1]!);
  });

  it('gives three components when asked, and the same two leading ones', () => {
    const x = spectrumData(120, 20, 7);
    const three = principalComponents(x, 120, 20, { components: 3 });
    const numpy = numpyPca(x, 120, 20, false, 3);
    expect(maxAbsDifference(three.coords, numpy.coords) / Math.max(...numpy.coords.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('does not depend on the random start', () => {
    const x = spectrumData(200, 30, 3);
    const a = principalComponents(x, 200, 30, { seed: 1 });
    const b = principalComponents(x, 200, 30, { seed: 99 });
    expect(maxAbsDifference(a.coords, b.coords) / Math.max(...Array.from(a.coords, Math.abs))).toBeLessThan(1e-5);
  });

  it('maps identical rows, a single row and one dimension without dividing by zero', () => {
    const same = new Float32Array(10 * 4).fill(2);
    expect(principalComponents(same, 10, 4)).toEqual({ coords: new Float32Array(20), components: 2, explained: [0, 0] });
    expect(principalComponents(new Float32Array([1, 2, 3]), 1, 3).coords).toEqual(new Float32Array(2));
    const oneD = principalComponents(new Float32Array([0, 1, 2, 3, 10]), 5, 1);
    [-3.2, 0, -2.2, 0, -1.2, 0, -0.2, 0, 6.8, 0].forEach((v, i) => expect(oneD.coords[i]).toBeCloseTo(v, 5));
    expect(oneD.explained).toEqual([1, 0]);
  });

  it('finishes on rank-one data along a coordinate axis (the iterated basis collapses onto that axis)', () => {
    const n = 20;
    const d = 8;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) x[i * d + 1] = i;
    const { coords, explained } = principalComponents(x, n, d);
    for (let i = 0; i < n; i++) expect(Math.abs(coords[i * 2]!)).toBeCloseTo(Math.abs(i - 9.5), 4);
    expect(explained[0]).toBeCloseTo(1, 9);
    expect(explained[1]).toBeCloseTo(0, 9);
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => principalComponents(new Float32Array(5), 2, 3)).toThrow(/5 values are not 2 rows of 3/);
  });
});

describe('symmetricEigen', () => {
  it('reconstructs the matrix from its eigenpairs, values descending', () => {
    const r = seededRandom(5);
    const b = 6;
    const m = new Float64Array(b * b);
    for (let i = 0; i < b; i++) for (let j = i; j < b; j++) m[i * b + j] = m[j * b + i] = r() - 0.5;
    const { values, vectors } = symmetricEigen(m, b);
    for (let i = 1; i < b; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    for (let i = 0; i < b; i++)
      for (let j = 0; j < b; j++) {
        let s = 0;
        for (let c = 0; c < b; c++) s += vectors[i * b + c]! * values[c]! * vectors[j * b + c]!;
        expect(s).toBeCloseTo(m[i * b + j]!, 12);
      }
  });
});
