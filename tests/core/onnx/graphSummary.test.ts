/**
 * The graph summary reads what protobufjs (a full, independent decoder) reads, for the built-in
 * packs and every exporter-style fixture, plus what the onnx-proto schema lacks (node
 * metadata_props), and it merges an appended graph as protobuf does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { OnnxGraphError, readGraphSummary, tensorInfo } from '../../../src/core/onnx/graphSummary.ts';
import { onnx, type IValueInfoProto } from '../../../scripts/onnx/proto.ts';
import { PRESETS, STYLES, vlmFixture } from '../../support/vlmFixtures.ts';

const num = (v: number | { toNumber(): number } | null | undefined) => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());
const dimsOf = (v: IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : num(d.dimValue))) ?? null;

function expectSameAsProtobufjs(bytes: Uint8Array): void {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const s = readGraphSummary(bytes);
  expect(s.irVersion).toBe(num(model.irVersion));
  expect(s.producer).toBe(model.producerName);
  expect(s.opsets.get('')).toBe(num(model.opsetImport!.find((o) => !o.domain)!.version));
  expect(s.nodes.map((n) => [n.name, n.op, n.domain, n.inputs, n.outputs])).toEqual(graph.node!.map((n) => [n.name, n.opType, n.domain, n.input, n.output]));
  expect(s.outputs).toEqual(graph.output!.map((o) => o.name));
  expect(s.inputs).toEqual(graph.input!.map((o) => o.name));
  expect([...s.initializers.values()].map((t) => [t.name, t.elemType, t.dims])).toEqual(graph.initializer!.map((t) => [t.name, t.dataType, t.dims!.map(num)]));
  for (const v of [...graph.input!, ...graph.output!, ...graph.valueInfo!]) {
    expect(tensorInfo(s, v.name!)).toEqual({ name: v.name, elemType: v.type!.tensorType!.elemType, dims: dimsOf(v) });
  }
}

describe('readGraphSummary', () => {
  it('reads the built-in packs as protobufjs does', () => {
    for (const pack of ['vit-mlp', 'vit-merger', 'vit-pixel-shuffle', 'vit-perceiver']) {
      for (const file of ['encoder.onnx', 'connector.onnx']) expectSameAsProtobufjs(new Uint8Array(readFileSync(`models/${pack}/${file}`)));
    }
  });

  it('reads every fixture as protobufjs does, and the name_scopes protobufjs cannot see', () => {
    for (const preset of PRESETS) {
      for (const style of STYLES) {
        const { bytes } = vlmFixture(preset, style);
        expectSameAsProtobufjs(bytes);
        const scopes = readGraphSummary(bytes).nodes.map((n) => n.nameScopes);
        if (style === 'dynamo') expect(scopes.every((s) => s !== null && s.startsWith("['', "))).toBe(true);
        else expect(scopes.every((s) => s === null)).toBe(true);
      }
    }
  });

  it('merges a second graph field into the first, as protobuf does', () => {
    const { bytes } = vlmFixture('llava', 'torchscript');
    const extra = onnx.ModelProto.encode({
      graph: { output: [{ name: 'extra' }], valueInfo: [{ name: 'extra', type: { tensorType: { elemType: 10 } } }] },
    }).finish();
    const joined = new Uint8Array([...bytes, ...extra]);
    const s = readGraphSummary(joined);
    expect(s.outputs).toEqual(['image_features', 'extra']);
    expect(tensorInfo(s, 'extra')).toEqual({ name: 'extra', elemType: 10, dims: null });
    // protobufjs's generated decoder replaces a repeated embedded message instead of merging it
    // (ONNX Runtime's C++ protobuf merges; tap.test.ts runs it): it sees only the appended graph.
    expect(onnx.ModelProto.decode(joined).graph!.output!.map((o) => o.name)).toEqual(['extra']);
  });

  it('reports external initializers, keeps initializers out of the inputs (IR < 4 listed them), and reads unknown dims as null', () => {
    const g = new GraphBuilder('ext');
    const x = g.input('x', ['n', 3]);
    g.op('MatMul', [x, g.externalFloatInit('w', [3, 2], { location: 'w.bin', offset: 0 })], {}, 'y');
    g.output('y', ['n', 2]);
    const model = onnx.ModelProto.decode(g.toBytes());
    model.graph!.input!.push({ name: 'w', type: { tensorType: { elemType: 1 } } });
    model.graph!.output![0]!.type!.tensorType!.shape!.dim![0] = {};
    const s = readGraphSummary(onnx.ModelProto.encode(model).finish());
    expect(s.initializers.get('w')).toEqual({ name: 'w', elemType: 1, dims: [3, 2], external: true });
    expect(s.inputs).toEqual(['x']);
    expect(tensorInfo(s, 'y').dims).toEqual([null, 2]);
    expect(tensorInfo(s, 'nowhere')).toEqual({ name: 'nowhere', elemType: null, dims: null });
  });

  it('refuses what is not a model with an OnnxGraphError that says why', () => {
    expect(() => readGraphSummary(new Uint8Array(0))).toThrow(new OnnxGraphError('this file is not an ONNX model (it has no graph)'));
    expect(() => readGraphSummary(new TextEncoder().encode('not a model at all'))).toThrow(OnnxGraphError);
    const { bytes } = vlmFixture('qwen2vl', 'dynamo');
    expect(() => readGraphSummary(bytes.subarray(0, bytes.length - 3))).toThrow(/cut short/);
  });
});
