/** Procrustes in 2-D against numpy's SVD solution (R = U Vᵀ of movingᵀ reference), and on shapes with a known answer. */
import { describe, expect, it } from 'vitest';
import { npyFloat32 } from '../../../src/core/export/npy.ts';
import { procrustes2d } from '../../../src/core/projection/procrustes.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { runPython, tempFile } from '../export/python.ts';

const NUMPY_PROCRUSTES = `import json, sys, numpy as np
a = np.load(sys.argv[1]).astype(np.float64)
b = np.load(sys.argv[2]).astype(np.float64)
ac = a - a.mean(axis=0)
bc = b - b.mean(axis=0)
u, s, vt = np.linalg.svd(bc.T @ ac)
r = u @ vt
scale = s.sum() / (bc ** 2).sum()
aligned = scale * bc @ r + a.mean(axis=0)
print(json.dumps({'aligned': aligned.ravel().tolist(), 'rotation': r.ravel().tolist(), 'scale': scale,
  'disparity': ((aligned - a) ** 2).sum() / (ac ** 2).sum(), 'reflected': bool(np.linalg.det(r) < 0)}))`;

function cloud(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 0.3 : 1) * (r() - 0.5) * 10);
}

describe('procrustes2d', () => {
  it.each([1, 2, 3, 4])('equals numpy for noisy copies (seed %i)', (seed) => {
    const reference = cloud(100, seed);
    const r = seededRandom(seed + 100);
    const angle = r() * 2 * Math.PI;
    const flip = seed % 2 === 0 ? -1 : 1;
    const moving = new Float32Array(200);
    for (let i = 0; i < 100; i++) {
      const x = reference[2 * i]! + (r() - 0.5);
      const y = flip * reference[2 * i + 1]! + (r() - 0.5);
      moving[2 * i] = 3 * (x * Math.cos(angle) - y * Math.sin(angle)) + 7;
      moving[2 * i + 1] = 3 * (x * Math.sin(angle) + y * Math.cos(angle)) - 2;
    }
    const ours = procrustes2d(reference, moving);
    const numpy = JSON.parse(
      runPython(NUMPY_PROCRUSTES, [tempFile('a.npy', npyFloat32(reference, [100, 2])), tempFile('b.npy', npyFloat32(moving, [100, 2]))]),
    ) as {
      aligned: number[];
      rotation: number[];
      scale: number;
      disparity: number;
      reflected: boolean;
    };
    ours.aligned.forEach((v, i) => expect(v).toBeCloseTo(numpy.aligned[i]!, 4));
    ours.rotation.forEach((v, i) => expect(v).toBeCloseTo(numpy.rotation[i]!, 9));
    expect(ours.scale).toBeCloseTo(numpy.scale, 9);
    expect(ours.disparity).toBeCloseTo(numpy.disparity, 9);
    expect(ours.reflected).toBe(numpy.reflected);
    expect(ours.reflected).toBe(flip === -1);
  });

  it('undoes an exact rotation, reflection, scale and shift', () => {
    const reference = cloud(50, 9);
    const moving = new Float32Array(100);
    for (let i = 0; i < 50; i++) {
      moving[2 * i] = -0.5 * reference[2 * i + 1]! + 4; // a quarter turn, mirrored, halved, moved
      moving[2 * i + 1] = -0.5 * reference[2 * i]! + 1;
    }
    const fit = procrustes2d(reference, moving);
    expect(fit.reflected).toBe(true);
    expect(fit.scale).toBeCloseTo(2, 5);
    expect(fit.disparity).toBeLessThan(1e-10);
    fit.aligned.forEach((v, i) => expect(v).toBeCloseTo(reference[i]!, 4));
  });

  it('leaves a collapsed layout at the reference centre, and rejects layouts of different sizes', () => {
    const fit = procrustes2d(new Float32Array([0, 0, 2, 2]), new Float32Array([5, 5, 5, 5]));
    expect(Array.from(fit.aligned)).toEqual([1, 1, 1, 1]);
    expect(() => procrustes2d(new Float32Array(4), new Float32Array(6))).toThrow(/different sizes/);
  });
});
