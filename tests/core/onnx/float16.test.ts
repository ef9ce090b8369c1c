/** Half-precision bits to float32, checked against ONNX Runtime's own Cast on all 65,536 patterns. */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatDataToFloat32, halfBitsToFloat32 } from '../../../src/core/onnx/float16.ts';
import { onnx } from '../../../src/core/onnx/proto.ts';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

/** h [65536] float16 -> Cast(to float) -> f. */
function castModel(): Uint8Array {
  const type = (elemType: number) => ({ tensorType: { elemType, shape: { dim: [{ dimValue: 65536 }] } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'cast',
      node: [{ opType: 'Cast', input: ['h'], output: ['f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [{ name: 'h', type: type(10) }],
      output: [{ name: 'f', type: type(1) }],
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
