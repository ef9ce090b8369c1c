/** Half-precision bits to float32, checked against ONNX Runtime's own Cast on all 65,536 patterns. */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { float32ToHalfBits, floatDataToFloat32, halfBitsToFloat32, halfBitsToFloat32Into } from '../../../src/core/onnx/float16.ts';
import { onnx } from '../../../scripts/onnx/proto.ts';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

/** h [n] of one float type -> Cast -> f [n] of the other (default: float16 -> float32). */
function castModel(from = 10, to = 1, n = 65536): Uint8Array {
  const type = (elemType: number) => ({ tensorType: { elemType, shape: { dim: [{ dimValue: n }] } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'cast',
      node: [{ opType: 'Cast', input: ['h'], output: ['f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }] }],
      input: [{ name: 'h', type: type(from) }],
      output: [{ name: 'f', type: type(to) }],
    },
  }).finish();
}

describe('halfBitsToFloat32', () => {
  it('gives what ONNX Runtime’s Cast gives for every half-precision bit pattern', async () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const session = await ort.InferenceSession.create(castModel(), { executionProviders: ['wasm'] });
    const expected = (await session.run({ h: new ort.Tensor('float16', bits, [65536]) })).f!.data as Float32Array;
    const got = halfBitsToFloat32(bits);
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) if (!Object.is(got[i], expected[i]) && !(Number.isNaN(got[i]) && Number.isNaN(expected[i]))) mismatches++;
    expect(mismatches).toBe(0);
    expect([got[0x3c00], got[0xc000], got[0x7bff], got[0x0001], got[0x7c00], got[0x8000]]).toEqual([1, -2, 65504, 2 ** -24, Infinity, -0]);
  });

  it('turns what ORT hands over into float32: float32 copied, float16 bits converted, other types refused', () => {
    const f32 = Float32Array.of(1.5, -2);
    const copy = floatDataToFloat32('float32', f32)!;
    expect(copy).toEqual(f32);
    expect(copy.buffer).not.toBe(f32.buffer);
    expect(Array.from(floatDataToFloat32('float16', Uint16Array.of(0x3c00, 0x3800))!)).toEqual([1, 0.5]);
    expect(floatDataToFloat32('int64', new BigInt64Array(1))).toBeNull();
    expect(floatDataToFloat32('float16', [1, 2])).toBeNull();
  });
});

describe('halfBitsToFloat32Into', () => {
  it('writes the same values as halfBitsToFloat32 at the offset, leaving the rest, and refuses what does not fit', () => {
    const bits = Uint16Array.from({ length: 1000 }, (_, i) => (i * 65.537) & 0xffff);
    const out = new Float32Array(1010).fill(7);
    halfBitsToFloat32Into(bits, out, 5);
    expect(Array.from(out.subarray(5, 1005))).toEqual(Array.from(halfBitsToFloat32(bits)));
    expect(Array.from(out.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]);
    expect(Array.from(out.subarray(1005))).toEqual([7, 7, 7, 7, 7]);
    expect(() => halfBitsToFloat32Into(bits, out, 11)).toThrow(RangeError);
    expect(() => halfBitsToFloat32Into(bits, out, -1)).toThrow(RangeError);
  });
});

describe('float32ToHalfBits', () => {
  it('gives back every finite half value exactly (float16 -> float32 -> float16 is the identity)', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => (h & 0x7c00) !== 0x7c00 || (h & 0x3ff) === 0);
    expect(Array.from(float32ToHalfBits(halfBitsToFloat32(bits)))).toEqual(Array.from(bits));
  });

  it('rounds as ONNX Runtime’s Cast(float -> float16) does: ties, subnormals, overflow, NaN', async () => {
    const n = 200_000;
    const values = new Float32Array(n);
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < n; i++) {
      // Magnitudes from 2^-30 to 2^18 (half's whole range and past both ends), plus exact ties.
      const magnitude = 2 ** (next() * 48 - 30) * (next() < 0.5 ? -1 : 1);
      values[i] = i % 10 === 0 ? halfBitsToFloat32(Uint16Array.of(i % 0x7bff))[0]! * (1 + 2 ** -11) : magnitude;
    }
    values.set([0, -0, 65504, 65520, 65519.99, 2 ** -25, 2 ** -25 * 1.0001, 2 ** -24 * 1.5, Infinity, -Infinity, Number.NaN]);
    const session = await ort.InferenceSession.create(castModel(1, 10, n), { executionProviders: ['wasm'] });
    const expected = (await session.run({ h: new ort.Tensor('float32', values, [n]) })).f!.data as Uint16Array;
    const got = float32ToHalfBits(values);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const bothNaN = (got[i]! & 0x7c00) === 0x7c00 && (got[i]! & 0x3ff) !== 0 && (expected[i]! & 0x7c00) === 0x7c00 && (expected[i]! & 0x3ff) !== 0;
      if (got[i] !== expected[i] && !bothNaN) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(Array.from(float32ToHalfBits(Float32Array.of(1, -2, 65504, 65520, 2 ** -24)))).toEqual([0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001]);
  });
});
