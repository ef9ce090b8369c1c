/** .npy files read by numpy itself: values bit for bit, and the same bytes numpy.save writes. */
import { describe, expect, it } from 'vitest';
import { npyFloat32 } from '../../../src/core/export/npy.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { runPython, tempFile } from './python.ts';

function randomValues(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: count }, () => (r() - 0.5) * 10 ** Math.round(r() * 8 - 4));
}

const LOAD = `import json, sys, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), 'fortran': bool(np.isfortran(a)) and a.ndim > 1,
  'bits': a.view(np.uint32).ravel().tolist()}))`;

describe('npyFloat32', () => {
  it('aligns the data to 64 bytes with a newline-ended header, as numpy does', () => {
    for (const shape of [[0], [3], [2, 3], [288, 196], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = npyFloat32(new Float32Array(count), shape);
      const headerLength = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
      expect(bytes.length).toBe(10 + headerLength + 4 * count);
    }
    expect(() => npyFloat32(new Float32Array(5), [2, 3])).toThrow(/5 values for shape \[2, 3\]/);
    expect(() => npyFloat32(new Float32Array(0), [-1])).toThrow(/invalid shape\[0\]/);
  });

  it('is read by numpy.load as little-endian float32 in C order, value for value', (ctx) => {
    const why = whyNoToolsPython('numpy');
    if (why) ctx.skip(why);
    const data = randomValues(7 * 13, 4);
    data[0] = -0;
    data[1] = Number.NaN;
    data[2] = -Infinity;
    const read = JSON.parse(runPython(LOAD, [tempFile('a.npy', npyFloat32(data, [7, 13]))])) as {
      dtype: string;
      shape: number[];
      fortran: boolean;
      bits: number[];
    };
    expect(read.dtype).toBe('<f4');
    expect(read.shape).toEqual([7, 13]);
    expect(read.fortran).toBe(false);
    expect(read.bits).toEqual(Array.from(new Uint32Array(data.buffer)));
  });

  it('writes the bytes numpy.save writes, 1-D and 2-D, including a header that lands on the boundary', (ctx) => {
    const why = whyNoToolsPython('numpy');
    if (why) ctx.skip(why);
    // [1 x 20, 10]: the dict plus its newline ends exactly on 128 bytes, where numpy still pads a full 64.
    const onBoundary = [...Array<number>(20).fill(1), 10];
    for (const shape of [[5], [4, 6], [1234567, 0], onBoundary]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const data = randomValues(count, shape.length);
      const ours = npyFloat32(data, shape);
      const theirs = runPython(
        `import io, json, sys, numpy as np
b = io.BytesIO()
np.save(b, np.frombuffer(bytes.fromhex(sys.argv[2]), dtype='<f4').reshape(json.loads(sys.argv[1])))
print(b.getvalue().hex())`,
        [JSON.stringify(shape), Buffer.from(data.buffer).toString('hex')],
      ).trim();
      expect(Buffer.from(ours).toString('hex')).toBe(theirs);
    }
    const boundary = npyFloat32(new Float32Array(10), onBoundary);
    expect(boundary[8]! | (boundary[9]! << 8)).toBe(128 + 64 - 10);
  });
});
