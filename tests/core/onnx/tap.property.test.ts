/**
 * The graph reader, the boundary finder and the tapper on damaged and random bytes: a result or a
 * typed error (OnnxGraphError, TapError), never another exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findConnectorBoundary } from '../../../src/core/onnx/boundary.ts';
import { OnnxGraphError, readGraphSummary } from '../../../src/core/onnx/graphSummary.ts';
import { TapError, tapOutputs } from '../../../src/core/onnx/tap.ts';
import { onnx } from '../../../scripts/onnx/proto.ts';
import { concatBytes, fields, lengthPrefix } from '../../../src/core/onnx/wire.ts';
import { damagedCopies } from '../../support/outsideData.ts';
import { vlmFixture } from '../../support/vlmFixtures.ts';

/** Read, find, tap: every step either succeeds or throws one of the typed errors. */
function readFindTap(bytes: Uint8Array, extraName: string): void {
  try {
    const summary = readGraphSummary(bytes);
    const result = findConnectorBoundary(summary);
    const names = result.found ? [result.tensor, ...(result.post ? [result.post] : [])] : result.candidates.slice(0, 2).map((c) => c.name);
    const tapped = tapOutputs(bytes, [...names, extraName], summary);
    expect(tapped.bytes.length).toBe(bytes.length + tapped.suffix.length);
    // What was appended reads back as outputs.
    const again = readGraphSummary(tapped.bytes);
    for (const n of tapped.add) expect(again.outputs).toContain(n);
  } catch (error) {
    if (!(error instanceof OnnxGraphError || error instanceof TapError)) throw error;
  }
}

describe('graph reader and tapper on damaged bytes', () => {
  // dynamo: the fixture with node metadata, so the name_scopes parser sees damaged text too.
  const base = vlmFixture('qwen2vl', 'dynamo').bytes;
  const names = fc.constantFrom('', 'val_1', 'image_features', 'visual.merger.ln_q.weight', 'missing');

  it('damaged copies of a real-shaped model (cut, bytes set, inserted, deleted)', () => {
    fc.assert(
      fc.property(damagedCopies(base), names, (bytes, name) => readFindTap(bytes, name)),
      { numRuns: 1500 },
    );
  });

  it('bytes overwritten in place (the framing mostly intact, so damage reaches nodes, names and types)', () => {
    const edits = fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(edits, names, (list, name) => {
        const bytes = new Uint8Array(base);
        for (const [at, value] of list) bytes[at] = value;
        readFindTap(bytes, name);
      }),
      { numRuns: 1000 },
    );
  });

  it('graph fields dropped, repeated and reordered (valid protobuf, broken graphs)', () => {
    const model = [...fields(base)];
    const graph = model.find((f) => f.field === 7)!;
    const parts = [...fields(base, graph.start, graph.end)].map((f) => base.subarray(f.at, f.end));
    const rest = concatBytes(model.filter((f) => f.field !== 7).map((f) => base.subarray(f.at, f.end)));
    fc.assert(
      fc.property(fc.array(fc.nat(parts.length - 1), { maxLength: parts.length + 20 }), names, (picks, name) => {
        const g = concatBytes(picks.map((i) => parts[i]!));
        readFindTap(concatBytes([rest, lengthPrefix(7, g.length), g]), name);
      }),
      { numRuns: 1000 },
    );
  });

  it('node inputs and outputs rewired at random (cycles, self-loops, duplicate and empty names)', () => {
    const llava = vlmFixture('llava', 'torchscript').bytes;
    const decoded = onnx.ModelProto.decode(llava);
    const tensors = [...new Set(decoded.graph!.node!.flatMap((n) => [...n.input!, ...n.output!])), ''];
    const rewire = fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(rewire, names, (list, name) => {
        const model = onnx.ModelProto.decode(llava);
        const nodes = model.graph!.node!;
        for (const [n, isInput, slot, tensor] of list) {
          const node = nodes[n % nodes.length]!;
          const names = isInput ? node.input! : node.output!;
          if (names.length > 0) names[slot % names.length] = tensors[tensor % tensors.length]!;
        }
        readFindTap(onnx.ModelProto.encode(model).finish(), name);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes, and random bytes after a valid prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), names, (bytes, name) => readFindTap(bytes, name)),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.nat(base.length), fc.uint8Array({ maxLength: 64 }), names, (cut, tail, name) =>
        readFindTap(concatBytes([base.subarray(0, cut), tail]), name),
      ),
      { numRuns: 1000 },
    );
  });
});
