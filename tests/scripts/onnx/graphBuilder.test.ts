/** The graph builder writes deterministic, well-formed ONNX that a real runtime executes as meant. */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { readModel } from '../../../scripts/onnx/readModel.ts';
import { readGraphSummary, tensorInfo } from '../../../src/core/onnx/graphSummary.ts';

/** x [batch, 2, 3] -> Softmax(Transpose(x) * w, axis) -> reshape [batch, 6]; w carries an odd float32. */
function model(w = 1.5): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', ['batch', 2, 3]);
  const t = g.op('Transpose', [x], { perm: [0, 2, 1] });
  const scaled = g.op('Mul', [t, g.floatInit('w', [1, 1, 2], Float32Array.of(w, -0.1))]);
  const soft = g.op('Softmax', [scaled], { axis: -1 });
  g.op('Reshape', [soft, g.int64Init('shape', [0, -1])], {}, 'y');
  g.output('y', ['batch', 6]);
  return g.toBytes();
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('GraphBuilder', () => {
  it('is deterministic: the same calls give the same bytes, a different weight different bytes', () => {
    expect(model()).toEqual(model());
    expect(model(2)).not.toEqual(model());
  });

  it('writes the header and every attribute kind so that they read back', () => {
    const g = new GraphBuilder('attrs');
    const x = g.input('x', ['n', 4]);
    g.op(
      'LayerNormalization',
      [x, g.floatInit('gamma', [4], new Float32Array(4).fill(1))],
      { axis: -1, epsilon: { float: 0.25 }, note: 'why', perm: [3, 1] },
      'y',
    );
    g.output('y', ['n', 4]);
    const info = readModel(g.toBytes());
    expect([info.irVersion, info.opset, info.producer]).toEqual([8, 17, 'connector-lens']);
    expect(info.nodes[0]!.attributes).toEqual({ axis: -1, epsilon: 0.25, note: 'why', perm: [3, 1] });
  });

  it('refuses duplicate tensor names, miscounted values and non-integer int attributes', () => {
    const g = new GraphBuilder('bad');
    g.input('x', [1]);
    expect(() => g.floatInit('x', [1], Float32Array.of(0))).toThrow(/duplicate/);
    expect(() => g.floatInit('w', [2, 2], Float32Array.of(0))).toThrow(/1 values/);
    expect(() => g.op('Softmax', ['x'], { axis: 0.5 })).toThrow(/float/);
  });

  it('runs in onnxruntime-web as written (little-endian weights, int64 shape, attributes)', async () => {
    const session = await ort.InferenceSession.create(model(), { executionProviders: ['wasm'] });
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0);
    const y = (await session.run({ x: new ort.Tensor('float32', x, [2, 2, 3]) })).y!;
    expect(y.dims).toEqual([2, 6]);
    // Row j of the transposed first item is (x[0][j], x[1][j]) = (1+j, 4+j), scaled by (1.5, -0.1).
    const expected = [0, 1, 2].flatMap((j) => {
      const a = Math.fround(1.5) * (1 + j);
      const b = Math.fround(-0.1) * (4 + j);
      const m = Math.max(a, b);
      const z = Math.exp(a - m) + Math.exp(b - m);
      return [Math.exp(a - m) / z, Math.exp(b - m) / z];
    });
    const got = Array.from(y.data as Float32Array);
    got.slice(0, 6).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    got.slice(6).forEach((v) => expect(v).toBeCloseTo(0.5, 6));
  });

  it('names nodes through a naming policy inside modules, with node metadata and value_info that ORT accepts', async () => {
    const g = new GraphBuilder('named', {
      name: (op, scope, count) => ({
        node: `/${[...scope, op].join('/')}`,
        outputs: Array.from({ length: count }, (_, i) => `${scope.join('.')}.${op}.${i}`),
        metadata: { scope: scope.join('.') },
      }),
    });
    const x = g.input('x', ['n', 2]);
    const h = g.within('block', () => g.within('inner', () => g.op('Relu', [x])));
    g.op('Neg', [h], {}, 'y');
    g.output('y', ['n', 2]);
    g.valueInfo(h, ['n', 2]);
    const bytes = g.toBytes();
    const s = readGraphSummary(bytes);
    expect(s.nodes.map((n) => [n.name, n.outputs])).toEqual([
      ['/block/inner/Relu', ['block.inner.Relu.0']],
      ['/Neg', ['y']],
    ]);
    expect(tensorInfo(s, h).dims).toEqual(['n', 2]);
    // The schema has no metadata_props; protobufjs still reads the rest of the model.
    expect(readModel(bytes).nodes.map((n) => n.op)).toEqual(['Relu', 'Neg']);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const y = (await session.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2), [1, 2]) })).y!;
    expect(Array.from(y.data as Float32Array)).toEqual([-0, -2]);
  });
});
