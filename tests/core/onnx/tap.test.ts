/**
 * Tapping: the appended outputs make ONNX Runtime (WASM, in Node) return the internal tensors,
 * and their values equal what the encoder alone and the connector alone compute (separately
 * built graphs with the same weights). Errors for names the model cannot give.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { findConnectorBoundary } from '../../../src/core/onnx/boundary.ts';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { readGraphSummary } from '../../../src/core/onnx/graphSummary.ts';
import { onnx } from '../../../scripts/onnx/proto.ts';
import { readWithRoom } from '../../../src/core/onnx/readWithRoom.ts';
import { planTap, TapError, tapInPlace, tapOutputs, tapSuffix } from '../../../src/core/onnx/tap.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { connectorPart, encoderPart, PIXELS, PRESETS, STYLES, vlmFixture, type Preset } from '../../support/vlmFixtures.ts';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

const BATCH = 2;
function pixels(): ort.Tensor {
  const random = seededRandom(99);
  const dims = [BATCH, ...PIXELS.dims.slice(1)];
  return new ort.Tensor(
    'float32',
    Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 2 * random() - 1),
    dims,
  );
}

async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  externalData?: { path: string; data: Uint8Array }[],
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...(externalData ? { externalData } : {}) });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  expect(a.dims).toEqual(b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe('tapped fixtures in ONNX Runtime', () => {
  const references = new Map<Preset, Promise<{ pre: ort.Tensor; post: ort.Tensor }>>();
  const reference = (preset: Preset) => {
    if (!references.has(preset)) {
      references.set(
        preset,
        (async () => {
          const enc = encoderPart(preset);
          const pre = (await run(enc.bytes, { [PIXELS.name]: pixels() }))[enc.output]!;
          const con = connectorPart(preset);
          const post = (await run(con.bytes, { [con.input]: pre }))[con.output]!;
          return { pre, post };
        })(),
      );
    }
    return references.get(preset)!;
  };

  for (const preset of PRESETS) {
    for (const style of STYLES) {
      it(`${preset}, ${style}: one run of the automatically tapped model gives pre and post, equal to the parts run apart`, async () => {
        const f = vlmFixture(preset, style);
        const summary = readGraphSummary(f.bytes);
        const b = findConnectorBoundary(summary);
        if (!b.found || b.post === null) throw new Error('no boundary');
        const tapped = tapOutputs(f.bytes, [b.tensor, b.post], summary);
        expect(tapped.add).toEqual([f.pre]);
        expect(tapped.already).toEqual([f.post]);
        const out = await run(tapped.bytes, { [PIXELS.name]: pixels() });
        const ref = await reference(preset);
        expect(maxAbsDiff(out[f.pre]!, ref.pre)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(out[f.post]!, ref.post)).toBeLessThanOrEqual(1e-5);
        // The tapped shape is what the fixture says the connector consumes.
        expect(out[f.pre]!.dims).toEqual([BATCH, ...f.preDims.slice(1)]);
      });
    }
  }
});

describe('tapOutputs and tapInPlace', () => {
  const f = vlmFixture('smolvlm', 'torchscript');

  it('appends one small ModelProto (graph outputs by name only) after the untouched model bytes', () => {
    const t = tapOutputs(f.bytes, [f.pre]);
    expect(t.bytes.subarray(0, f.bytes.length)).toEqual(f.bytes);
    expect(t.bytes.subarray(f.bytes.length)).toEqual(t.suffix);
    expect(t.suffix.length).toBeLessThan(64);
    expect(onnx.ModelProto.toObject(onnx.ModelProto.decode(t.suffix))).toEqual({ graph: { output: [{ name: f.pre }] } });
    expect(readGraphSummary(t.bytes).outputs).toEqual([f.post, f.pre]);
    expect(tapSuffix([])).toEqual(new Uint8Array(0));
  });

  it('taps a tapped model again without repeating outputs', () => {
    const once = tapOutputs(f.bytes, [f.pre]);
    const twice = tapOutputs(once.bytes, [f.pre, f.post]);
    expect([twice.add, twice.already]).toEqual([[], [f.pre, f.post]]);
    expect(twice.suffix.length).toBe(0);
  });

  it('writes into the room after the model without copying it, and copies when there is no room', async () => {
    const { buffer, length } = await readWithRoom(new Blob([new Uint8Array(f.bytes)]));
    expect(length).toBe(f.bytes.length);
    expect(buffer.subarray(0, length)).toEqual(f.bytes);
    const t = tapInPlace(buffer, length, [f.pre]);
    expect(t.inPlace).toBe(true);
    expect(t.bytes.buffer).toBe(buffer.buffer);
    expect(t.bytes).toEqual(tapOutputs(f.bytes, [f.pre]).bytes);
    const tight = new Uint8Array(f.bytes);
    const copied = tapInPlace(tight, tight.length, [f.pre]);
    expect(copied.inPlace).toBe(false);
    expect(copied.bytes).toEqual(t.bytes);
    // ORT takes the view (a buffer longer than the model) as it is.
    const out = await run(t.bytes, { [PIXELS.name]: pixels() });
    expect(Object.keys(out).sort()).toEqual([f.pre, f.post].sort());
  });

  it('refuses weights, unknown names and an empty choice with a TapError naming the tensor', () => {
    const s = readGraphSummary(f.bytes);
    expect(() => planTap(s, [])).toThrow(TapError);
    expect(() => planTap(s, ['connector.modality_projection.proj.weight'])).toThrow(/"connector.modality_projection.proj.weight" is a weight/);
    expect(() => planTap(s, ['nope'])).toThrow(new TapError('The model has no tensor named "nope". Choose one from the list.'));
    expect(planTap(s, [PIXELS.name, f.pre, f.pre])).toEqual({ add: [PIXELS.name, f.pre], already: [] });
  });

  it('keeps weights kept in a side file resolvable: the tapped tensor comes out of a model with external data', async () => {
    // y = relu(x @ w) @ v with w in a side file; tap the hidden relu.
    const g = new GraphBuilder('ext');
    const x = g.input('x', [1, 3]);
    const h = g.op('Relu', [g.op('MatMul', [x, g.externalFloatInit('w', [3, 2], { location: 'w.bin', offset: 4 })])], {}, 'hidden');
    g.op('MatMul', [h, g.floatInit('v', [2, 1], Float32Array.of(1, 1))], {}, 'y');
    g.output('y', [1, 1]);
    const file = new Uint8Array(4 + 24);
    const view = new DataView(file.buffer);
    [1, -1, 2, -2, 3, -3].forEach((w, i) => view.setFloat32(4 + 4 * i, w, true));
    const t = tapOutputs(g.toBytes(), ['hidden']);
    const out = await run(t.bytes, { x: new ort.Tensor('float32', Float32Array.of(1, 10, 100), [1, 3]) }, [{ path: 'w.bin', data: file }]);
    // x @ w = [1 + 20 + 300, -1 - 20 - 300] = [321, -321]; relu -> [321, 0].
    expect(Array.from(out.hidden!.data as Float32Array)).toEqual([321, 0]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([321]);
  });
});
