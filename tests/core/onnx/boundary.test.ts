/**
 * The automatic tap: in every fixture (4 connector families x 3 exporter naming styles) the
 * boundary found is the tensor the connector consumes by construction; graphs without connector
 * names give a typed "not found" with ranked candidates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findConnectorBoundary } from '../../../src/core/onnx/boundary.ts';
import { formatDims, listCandidates, searchCandidates } from '../../../src/core/onnx/candidates.ts';
import { connectorScopes } from '../../../src/core/onnx/connectorScope.ts';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { readGraphSummary } from '../../../src/core/onnx/graphSummary.ts';
import { onnx } from '../../../scripts/onnx/proto.ts';
import { naming, PRESETS, STYLES, vlmFixture } from '../../support/vlmFixtures.ts';

describe('findConnectorBoundary', () => {
  for (const preset of PRESETS) {
    for (const style of STYLES) {
      it(`${preset}, ${style} names: the connector's input and output, with the declared shape`, () => {
        const f = vlmFixture(preset, style);
        const b = findConnectorBoundary(readGraphSummary(f.bytes));
        if (!b.found) throw new Error(b.why);
        expect({ tensor: b.tensor, post: b.post, scope: b.scope, style: b.style, confidence: b.confidence, alternatives: b.alternatives }).toEqual({
          tensor: f.pre,
          post: f.post,
          scope: f.scope,
          style,
          confidence: 'high',
          alternatives: [],
        });
        // The builder fixture leaves value_info out, to test the unknown-shape path.
        expect(b.preInfo.dims).toEqual(style === 'builder' ? null : f.preDims);
        expect(b.postInfo?.dims).toEqual(f.postDims);
        expect(b.why).toContain(JSON.stringify(f.pre));
      });
    }
  }

  it('takes the LLaVA penultimate layer after the CLS-dropping Slice, not post_layernorm', () => {
    const s = readGraphSummary(vlmFixture('llava', 'torchscript').bytes);
    const b = findConnectorBoundary(s);
    expect(b.found && b.tensor).toBe('/Slice_output_0');
    expect(s.nodes.some((n) => n.name.includes('post_layernorm'))).toBe(true);
  });

  it('puts Qwen’s ln_q inside the connector, and ignores the shape arithmetic fed in from outside', () => {
    const s = readGraphSummary(vlmFixture('qwen2vl', 'torchscript').bytes);
    const [merger] = connectorScopes(s);
    expect(s.nodes[merger!.entries[0]!.consumer]!.name).toBe('/visual/merger/ln_q/LayerNormalization');
    expect(merger!.entries.map((e) => e.tensor)).toEqual(['/visual/blocks.1/Add_1_output_0']);
    // The merger's Concat takes the batch size computed in `visual`: an input from outside, not an activation.
    const fromOutside = merger!.nodes.flatMap((i) => s.nodes[i]!.inputs).filter((t) => t.startsWith('/visual/Gather'));
    expect(fromOutside.length).toBeGreaterThan(0);
  });

  it('says medium confidence and lists the alternatives when two activations enter the connector', () => {
    const g = new GraphBuilder('two', naming('torchscript'));
    const x = g.input('x', ['n', 4]);
    const [a, b] = g.within('encoder', () => [g.op('Relu', [x]), g.op('Neg', [x])]);
    g.within('connector', () => g.op('Add', [a!, b!], {}, 'y'));
    g.output('y', ['n', 4]);
    const r = findConnectorBoundary(readGraphSummary(g.toBytes()));
    expect(r.found && [r.tensor, r.alternatives, r.confidence]).toEqual(['/encoder/Relu_output_0', ['/encoder/Neg_output_0'], 'medium']);
  });

  it('finds nothing by name in the packs’ graphs (opaque names) and ranks the token output first', () => {
    const r = findConnectorBoundary(readGraphSummary(new Uint8Array(readFileSync('models/vit-mlp/encoder.onnx'))));
    expect(r.found).toBe(false);
    if (r.found) return;
    expect(r.style).toBeNull();
    expect(r.why).toMatch(/no module paths/);
    expect(r.candidates[0]).toMatchObject({ name: 'pre_tokens', tags: ['graph output'], info: { dims: ['batch', 196, 64] } });
    // Weights and shape arithmetic are not candidates.
    expect(r.candidates.some((c) => c.name === 'pos_embed' || c.op === 'Shape')).toBe(false);
  });

  it('finds nothing when the connector has an unknown name, and ranks the tensors at module borders high', () => {
    const model = onnx.ModelProto.decode(vlmFixture('llava', 'torchscript').bytes);
    const rename = (s: string) => s.replace('multi_modal_projector', 'adapter');
    for (const n of model.graph!.node!) {
      n.name = rename(n.name ?? '');
      n.output = n.output!.map(rename);
      n.input = n.input!.map(rename);
    }
    const s = readGraphSummary(onnx.ModelProto.encode(model).finish());
    const r = findConnectorBoundary(s);
    expect(r.found).toBe(false);
    if (r.found) return;
    expect(r.style).toBe('torchscript');
    const top = r.candidates.slice(0, 3).map((c) => c.name);
    expect(top).toContain('/Slice_output_0');
    expect(r.candidates.find((c) => c.name === '/Slice_output_0')!.tags).toEqual(['leaves a module']);
  });
});

describe('candidates', () => {
  it('lists every float activation once, the connector input first', () => {
    const f = vlmFixture('idefics2', 'dynamo');
    const s = readGraphSummary(f.bytes);
    const list = listCandidates(s);
    expect(new Set(list.map((c) => c.name)).size).toBe(list.length);
    expect(list[0]).toMatchObject({
      name: f.pre,
      tags: ['connector input', 'leaves a module'],
      scope: 'model.vision_model.post_layernorm',
      op: 'LayerNormalization',
    });
    expect(list[1]).toMatchObject({ name: 'image_features', tags: ['connector output', 'graph output'] });
    expect(list.some((c) => s.initializers.has(c.name))).toBe(false);
    expect(formatDims(list[0]!.info)).toBe('[batch, 64, 16]');
  });

  it('searches all words in name, op, module path, shape and tags, keeping the order', () => {
    const list = listCandidates(readGraphSummary(vlmFixture('llava', 'torchscript').bytes));
    expect(searchCandidates(list, '')).toEqual(list);
    const hits = searchCandidates(list, 'LAYERS.2 layernorm');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((c) => c.scope.includes('layers.2') && c.op === 'LayerNormalization')).toBe(true);
    expect(searchCandidates(list, 'connector input').map((c) => c.name)).toEqual(['/Slice_output_0']);
    expect(searchCandidates(list, 'no such thing')).toEqual([]);
  });
});
