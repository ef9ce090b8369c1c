/**
 * Side files of large ONNX models: which files a model needs and how long each must be, the
 * message for a missing or short one, and agreement with what ONNX Runtime itself accepts.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../../support/outsideData.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { checkExternalData, externalDataRefs, type ExternalDataRef } from '../../../src/core/onnx/externalData.ts';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { onnx, type IGraphProto, type ITensorProto } from '../../../scripts/onnx/proto.ts';

const FLOAT = 1;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

/** A tensor stored outside the model, with external_data entries exactly as given. */
function ext(name: string, dims: number[], entries: Record<string, string>, dataType = FLOAT): ITensorProto {
  return { name, dims, dataType, dataLocation: EXTERNAL, externalData: Object.entries(entries).map(([key, value]) => ({ key, value })) };
}
const encode = (graph: IGraphProto) => onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }).finish();
const refsOf = (...initializer: ITensorProto[]) => externalDataRefs(encode({ name: 'g', initializer }), 'encoder.onnx');

/** y = x [1,3] @ w [3,2], with w in `location` at `offset`. */
function matmulModel(location: string, offset = 0): Uint8Array {
  const g = new GraphBuilder('ext');
  const x = g.input('x', [1, 3]);
  g.op('MatMul', [x, g.externalFloatInit('w', [3, 2], { location, offset })], {}, 'y');
  g.output('y', [1, 2]);
  return g.toBytes();
}
const littleEndian = (values: number[]) => {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(i * 4, v, true));
  return out;
};

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('GraphBuilder.externalFloatInit', () => {
  it('writes an EXTERNAL tensor with location, offset and its byte length, and no inline data', () => {
    const t = onnx.ModelProto.decode(matmulModel('encoder.onnx_data', 64)).graph!.initializer![0]!;
    expect(t.dataLocation).toBe(EXTERNAL);
    expect(t.externalData!.map((e) => [e.key, e.value])).toEqual([
      ['location', 'encoder.onnx_data'],
      ['offset', '64'],
      ['length', '24'],
    ]);
    expect(t.rawData!.length).toBe(0);
    expect(t.floatData).toEqual([]);
  });

  it('runs in onnxruntime-web with the side file supplied at the offset', async () => {
    const file = new Uint8Array(8 + 24);
    file.set(littleEndian([1, 2, 3, 4, 5, 6]), 8);
    const session = await ort.InferenceSession.create(matmulModel('w.bin', 8), { executionProviders: ['wasm'], externalData: [{ path: 'w.bin', data: file }] });
    const y = (await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 10, 100), [1, 3]) })).y!;
    // [1, 10, 100] @ [[1, 2], [3, 4], [5, 6]] = [1 + 30 + 500, 2 + 40 + 600].
    expect(Array.from(y.data as Float32Array)).toEqual([531, 642]);
  });
});

describe('externalDataRefs', () => {
  it('lists nothing for a model with inline weights', () => {
    const g = new GraphBuilder('inline');
    g.op('Identity', [g.floatInit('w', [2], Float32Array.of(1, 2))], {}, 'y');
    g.output('y', [2]);
    expect(externalDataRefs(g.toBytes())).toEqual([]);
  });

  it('aggregates per file: the furthest offset + length, the tensors in order', () => {
    const refs = refsOf(
      ext('w', [3, 2], { location: 'model.onnx_data', offset: '0', length: '24' }),
      ext('b', [2], { location: 'model.onnx_data', offset: '24', length: '8' }),
      ext('emb', [10], { location: 'extra.bin', offset: '4096', length: '40' }),
      ext('early', [1], { location: 'model.onnx_data', offset: '4', length: '4' }),
    );
    expect(refs).toEqual([
      { location: 'model.onnx_data', bytesNeeded: 32, tensors: ['w', 'b', 'early'] },
      { location: 'extra.bin', bytesNeeded: 4136, tensors: ['emb'] },
    ]);
  });

  it('takes the length from shape and type when it is not given, and the offset as 0', () => {
    const refs = refsOf(
      ext('f32', [3, 2], { location: 'a' }),
      ext('f16', [5], { location: 'b', offset: '10' }, 10),
      ext('i64', [2, 2], { location: 'c' }, 7),
      ext('int4', [5], { location: 'd' }, 22),
      ext('scalar', [], { location: 'e' }, 11),
      ext('empty', [0, 7], { location: 'f', offset: '3' }),
    );
    expect(refs.map((r) => [r.location, r.bytesNeeded])).toEqual([
      ['a', 24],
      ['b', 20],
      ['c', 32],
      ['d', 3],
      ['e', 8],
      ['f', 3],
    ]);
  });

  it('finds tensors in Constant attributes, sparse initializers and If/Loop subgraphs', () => {
    const body: IGraphProto = {
      name: 'then',
      initializer: [ext('inner', [2], { location: 'sub.bin' })],
      node: [{ opType: 'Constant', attribute: [{ name: 'value', type: 4, t: ext('deep', [1], { location: 'deep.bin' }) }] }],
    };
    const graph: IGraphProto = {
      name: 'g',
      node: [
        { opType: 'Constant', output: ['c'], attribute: [{ name: 'value', type: 4, t: ext('const', [4], { location: 'const.bin' }) }] },
        {
          opType: 'If',
          input: ['cond'],
          attribute: [
            { name: 'then_branch', type: 5, g: body },
            { name: 'else_branch', type: 5, g: { name: 'else' } },
          ],
        },
      ],
      sparseInitializer: [
        { dims: [10], values: ext('sv', [3], { location: 'sparse.bin' }), indices: { name: 'si', dims: [3], dataType: 7, int64Data: [0, 4, 9] } },
      ],
    };
    const refs = externalDataRefs(encode(graph));
    expect(refs.map((r) => [r.location, r.bytesNeeded, r.tensors]).sort()).toEqual([
      ['const.bin', 16, ['const']],
      ['deep.bin', 4, ['deep']],
      ['sparse.bin', 12, ['sv']],
      ['sub.bin', 8, ['inner']],
    ]);
  });

  it('drops a leading "./" as ONNX Runtime does', () => {
    expect(refsOf(ext('w', [1], { location: './w.bin' }))).toEqual([{ location: 'w.bin', bytesNeeded: 4, tensors: ['w'] }]);
  });

  it.each(['../w.bin', 'sub/w.bin', '/abs/w.bin', '..', '.', 'C:\\w.bin', 'C:w.bin', 'a\\b.bin', 'http://host/w.bin', '././w.bin', '..w.bin', 'w.bin\n'])(
    'refuses the location %j: a model may not point outside its folder',
    (location) => {
      expect(refusal(() => refsOf(ext('w', [1], { location })))).toBe(
        `encoder.onnx points to ${JSON.stringify(location)} for the weights of tensor "w", outside its folder. A model may only use files next to it: save it with its external data in the same folder and open the pack again.`,
      );
    },
  );

  it('refuses missing locations, malformed counts and lengths that contradict the shape', () => {
    expect(refusal(() => refsOf(ext('w', [1], { offset: '0' })))).toBe(
      'encoder.onnx stores tensor "w" in an external file but does not name the file. Re-export the model and open the pack again.',
    );
    expect(refusal(() => refsOf(ext('w', [1], { location: '' })))).toMatch(/does not name the file/);
    for (const offset of ['-1', 'abc', '1e3', '', ' 4', '99999999999999999']) {
      expect(refusal(() => refsOf(ext('w', [1], { location: 'w.bin', offset })))).toBe(
        `encoder.onnx gives tensor "w" an invalid external data offset (${JSON.stringify(offset)}). Re-export the model and open the pack again.`,
      );
    }
    expect(refusal(() => refsOf(ext('w', [1], { location: 'w.bin', length: '4.0' })))).toMatch(/an invalid external data length \("4\.0"\)/);
    expect(refusal(() => refsOf(ext('w', [3, 2], { location: 'w.bin', length: '20' })))).toBe(
      'encoder.onnx gives tensor "w" 20 bytes of external data, but its shape and type need 24 bytes. Re-export the model and open the pack again.',
    );
    expect(refusal(() => refsOf(ext('w', [3, 2], { location: 'w.bin', length: '2000' })))).toMatch(
      /2,000 bytes of external data, but its shape and type need 24 bytes/,
    );
    expect(refusal(() => refsOf(ext('s', [2], { location: 'w.bin' }, 8)))).toBe(
      'encoder.onnx does not say how many bytes of external data tensor "s" has. Re-export the model and open the pack again.',
    );
    expect(refsOf(ext('s', [2], { location: 'w.bin', length: '10' }, 8))).toEqual([{ location: 'w.bin', bytesNeeded: 10, tensors: ['s'] }]);
    expect(refusal(() => refsOf(ext('w', [1], { location: 'w.bin', offset: '9007199254740990' })))).toBe(
      'encoder.onnx gives tensor "w" an invalid external data offset (9007199254740990). Re-export the model and open the pack again.',
    );
  });

  it('ignores external_data entries on a tensor not marked EXTERNAL, as ONNX Runtime does', () => {
    const t = { ...ext('w', [1], { location: '../w.bin' }), dataLocation: onnx.TensorProto.DataLocation.DEFAULT, rawData: littleEndian([1]) };
    expect(refsOf(t)).toEqual([]);
  });

  it('refuses bytes that are not a model', () => {
    const message = 'encoder.onnx is not a readable ONNX model (the file is damaged or is not ONNX). Re-export it and open the pack again.';
    expect(refusal(() => externalDataRefs(new TextEncoder().encode('<html>not found</html>'), 'encoder.onnx'))).toBe(message);
    expect(refusal(() => externalDataRefs(matmulModel('w.bin').subarray(0, 40), 'encoder.onnx'))).toBe(message);
  });
});

describe('checkExternalData', () => {
  const refs: ExternalDataRef[] = [
    { location: 'encoder.onnx_data', bytesNeeded: 1_200_000, tensors: ['w'] },
    { location: 'extra.bin', bytesNeeded: 999, tensors: ['e'] },
  ];

  it('passes when every file is there and long enough', () => {
    expect(() =>
      checkExternalData(
        'encoder.onnx',
        refs,
        new Map([
          ['encoder.onnx_data', 1_200_000],
          ['extra.bin', 5000],
          ['other', 0],
        ]),
      ),
    ).not.toThrow();
    expect(() => checkExternalData('encoder.onnx', [], new Map())).not.toThrow();
  });

  it('names a missing file and what it needs', () => {
    expect(refusal(() => checkExternalData('encoder.onnx', refs, new Map([['extra.bin', 999]])))).toBe(
      'encoder.onnx keeps its weights in "encoder.onnx_data" (needs 1.2 MB), which is missing. Put that file next to encoder.onnx in the pack folder and open the pack again.',
    );
    expect(refusal(() => checkExternalData('encoder.onnx', refs, new Map([['Encoder.onnx_data', 1_200_000]])))).toBe(
      'encoder.onnx keeps its weights in 2 files that are missing: "encoder.onnx_data" (needs 1.2 MB), "extra.bin" (needs 999 bytes). Put them next to encoder.onnx in the pack folder and open the pack again.',
    );
  });

  it('names a short file, exactly when rounding would hide the difference', () => {
    expect(
      refusal(() =>
        checkExternalData(
          'encoder.onnx',
          refs,
          new Map([
            ['encoder.onnx_data', 800_000],
            ['extra.bin', 999],
          ]),
        ),
      ),
    ).toBe(
      'encoder.onnx keeps its weights in "encoder.onnx_data", which is 800.0 kB but needs 1.2 MB: the file is truncated. Copy it again, put it next to encoder.onnx in the pack folder and open the pack again.',
    );
    expect(
      refusal(() =>
        checkExternalData(
          'encoder.onnx',
          refs,
          new Map([
            ['encoder.onnx_data', 1_199_999],
            ['extra.bin', 999],
          ]),
        ),
      ),
    ).toMatch(/"encoder\.onnx_data", which is 1,199,999 bytes but needs 1,200,000 bytes: the file is truncated/);
    expect(refusal(() => checkExternalData('c.onnx', [{ location: 'big', bytesNeeded: 3_500_000_000, tensors: [] }], new Map([['big', 999_960]])))).toMatch(
      /which is 1\.0 MB but needs 3\.5 GB/,
    );
  });

  it('agrees with onnxruntime-web: a file it passes opens, a file it refuses does not', async () => {
    const model = matmulModel('./w.onnx_data', 4);
    const refs = externalDataRefs(model, 'c.onnx');
    expect(refs).toEqual([{ location: 'w.onnx_data', bytesNeeded: 28, tensors: ['w'] }]);
    for (const size of [28, 40, 27, 4]) {
      const data = new Uint8Array(size);
      let ours = true;
      try {
        checkExternalData('c.onnx', refs, new Map([['w.onnx_data', size]]));
      } catch {
        ours = false;
      }
      const theirs = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], externalData: [{ path: 'w.onnx_data', data }] }).then(
        () => true,
        () => false,
      );
      expect([size, ours]).toEqual([size, theirs]);
    }
    await expect(ort.InferenceSession.create(model, { executionProviders: ['wasm'] })).rejects.toThrow();
    expect(() => checkExternalData('c.onnx', refs, new Map())).toThrow(UserFacingError);
  });
});
