/** The ONNX reader round-trips the builder's graphs and turns any damaged bytes into OnnxReadError. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { OnnxReadError, readModel } from '../../../scripts/onnx/readModel.ts';

function smallModel(): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', ['batch', 3]);
  const w = g.floatInit('w', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
  const y = g.op('MatMul', [x, w]);
  g.op('Reshape', [y, g.int64Init('shape', [0, -1])], {}, 'y');
  g.output('y', ['batch', 2]);
  return g.toBytes();
}

describe('readModel', () => {
  it('reads back what the builder wrote', () => {
    const info = readModel(smallModel());
    expect(info.opset).toBe(17);
    expect(info.inputs).toEqual([{ name: 'x', dims: ['batch', 3] }]);
    expect(info.outputs).toEqual([{ name: 'y', dims: ['batch', 2] }]);
    expect(Array.from(info.initializers.get('w')!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(info.initializers.get('shape')!.data as BigInt64Array)).toEqual([0n, -1n]);
    expect(info.nodes.map((n) => n.op)).toEqual(['MatMul', 'Reshape']);
  });

  it('says what is wrong with text and empty input', () => {
    expect(() => readModel(new TextEncoder().encode('not a model at all'))).toThrow(OnnxReadError);
    expect(() => readModel(new Uint8Array(0))).toThrow(/no graph/);
  });

  it('returns a model or throws OnnxReadError for truncated, flipped and appended bytes (never anything else)', () => {
    const base = smallModel();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 32 }),
        (cut, flips, tail) => {
          const bytes = Uint8Array.from([...base.subarray(0, cut), ...tail]);
          for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
          try {
            const info = readModel(bytes);
            expect(Array.isArray(info.nodes)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(OnnxReadError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
