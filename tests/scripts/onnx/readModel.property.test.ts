/**
 * readModel on damaged copies of a model that uses every feature it reads (float and int64
 * initializers in raw and typed fields, every attribute kind, symbolic dims): a model whose
 * initializers hold exactly as many values as their shapes say, or an OnnxReadError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedCopies } from '../../support/outsideData.ts';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { onnx } from '../../../scripts/onnx/proto.ts';
import { OnnxReadError, readModel } from '../../../scripts/onnx/readModel.ts';

function richModel(): Uint8Array {
  const g = new GraphBuilder('rich');
  const x = g.input('x', ['batch', 4]);
  const w = g.floatInit('w', [4, 2], Float32Array.of(1, -2, 3.5, 4, 0, 6, 7, 8));
  const h = g.op('MatMul', [x, w]);
  const n = g.op('LayerNormalization', [h, g.floatInit('gamma', [2], Float32Array.of(1, 1))], { axis: -1, epsilon: { float: 1e-5 }, note: 'x', perm: [1, 0] });
  g.op('Reshape', [n, g.int64Init('shape', [0, -1])], {}, 'y');
  g.output('y', ['batch', 2]);
  const model = onnx.ModelProto.decode(g.toBytes());
  // Typed-field initializers too (float_data, int64_data), which the builder does not write.
  model.graph!.initializer!.push(
    onnx.TensorProto.create({ name: 'typed', dims: [3], dataType: 1, floatData: [0.5, 1.5, 2.5] }),
    onnx.TensorProto.create({ name: 'ids', dims: [2], dataType: 7, int64Data: [5, -6] }),
  );
  return onnx.ModelProto.encode(model).finish();
}

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

describe('readModel properties', () => {
  it('reads the rich model with every initializer the size its shape says', () => {
    const info = readModel(richModel());
    expect([...info.initializers].map(([k, v]) => [k, Array.from(v.data, Number)])).toEqual([
      ['w', [1, -2, 3.5, 4, 0, 6, 7, 8]],
      ['gamma', [1, 1]],
      ['shape', [0, -1]],
      ['typed', [0.5, 1.5, 2.5]],
      ['ids', [5, -6]],
    ]);
  });

  it('gives a consistent model or an OnnxReadError for damaged copies of it', () => {
    const base = richModel();
    fc.assert(
      fc.property(damagedCopies(base), (b) => {
        try {
          const info = readModel(b);
          for (const [name, t] of info.initializers) expect(t.data.length, name).toBe(count(t.dims));
        } catch (error) {
          expect(error).toBeInstanceOf(OnnxReadError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives a consistent model or an OnnxReadError when an initializer loses or changes its data, shape, type or location', () => {
    const base = richModel();
    const change = fc.constantFrom('no raw', 'no typed', 'no dims', 'more dims', 'type', 'external', 'short raw');
    fc.assert(
      fc.property(fc.nat(), change, fc.integer({ min: 0, max: 20 }), (pick, kind, value) => {
        const model = onnx.ModelProto.decode(base);
        const list = model.graph!.initializer!;
        const t = list[pick % list.length]!;
        if (kind === 'no raw') t.rawData = new Uint8Array(0);
        else if (kind === 'no typed') {
          t.floatData = [];
          t.int64Data = [];
        } else if (kind === 'no dims') t.dims = [];
        else if (kind === 'more dims') t.dims = [...(t.dims ?? []), value];
        else if (kind === 'type') t.dataType = value;
        else if (kind === 'external') t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        else t.rawData = (t.rawData ?? new Uint8Array(0)).subarray(0, value);
        try {
          const info = readModel(onnx.ModelProto.encode(model).finish());
          for (const [name, i] of info.initializers) expect(i.data.length, name).toBe(count(i.dims));
        } catch (error) {
          expect(error).toBeInstanceOf(OnnxReadError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('says so when values are missing or kept in an external file, instead of returning an empty tensor', () => {
    const model = onnx.ModelProto.decode(richModel());
    const w = model.graph!.initializer![0]!;
    w.rawData = new Uint8Array(0);
    expect(() => readModel(onnx.ModelProto.encode(model).finish())).toThrow(new OnnxReadError('initializer w: 0 values for dims [4, 2]'));
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'rich.onnx_data' })];
    expect(() => readModel(onnx.ModelProto.encode(model).finish())).toThrow(
      new OnnxReadError('initializer w: its values are in the external file "rich.onnx_data", which is not read here'),
    );
  });
});
