/** Module paths from the three exporters' naming, and the Python list repr dynamo writes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../../src/core/onnx/graphSummary.ts';
import { nodeScope, parsePythonStringList } from '../../../src/core/onnx/scope.ts';
import { pythonRepr } from '../../support/vlmFixtures.ts';

const node = (name: string, nameScopes: string | null = null): GraphNode => ({ index: 0, name, op: 'MatMul', domain: '', inputs: [], outputs: [], nameScopes });

describe('parsePythonStringList', () => {
  it('reads what Python repr() writes: both quote kinds, escapes, empty lists, a trailing comma', () => {
    expect(parsePythonStringList("['', 'model', 'model.visual']")).toEqual(['', 'model', 'model.visual']);
    expect(parsePythonStringList(`["it's", 'a\\\\b', 'tab\\there', '\\x41\\u00e9']`)).toEqual(["it's", 'a\\b', 'tab\there', 'Aé']);
    expect(parsePythonStringList('[]')).toEqual([]);
    expect(parsePythonStringList("['a',]")).toEqual(['a']);
  });

  it('gives null for anything else, never throws', () => {
    for (const bad of ['', '[', "['a'", "['a' 'b']", '[1, 2]', "['\\q']", "['\\x4']", 'None']) expect(parsePythonStringList(bad), bad).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => void parsePythonStringList(s)),
      { numRuns: 2000 },
    );
  });

  it('round-trips any list of strings written as repr', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (items) => {
        expect(parsePythonStringList(pythonRepr(items))).toEqual(items);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('nodeScope', () => {
  it('reads TorchScript and builder names as module paths, without the op', () => {
    expect(nodeScope(node('/vision_tower/vision_model/encoder/layers.22/mlp/fc1/MatMul'))).toEqual({
      atoms: ['vision_tower', 'vision_model', 'encoder', 'layers', '22', 'mlp', 'fc1'],
      display: 'vision_tower/vision_model/encoder/layers.22/mlp/fc1',
      source: 'name',
    });
    expect(nodeScope(node('/Slice'))).toEqual({ atoms: [], display: '', source: 'name' });
    expect(nodeScope(node('MatMul_12'))).toBeNull();
  });

  it('prefers dynamo name_scopes: the deepest module, not the FX node name', () => {
    expect(nodeScope(node('node_linear_3', "['', 'model', 'model.multi_modal_projector', 'model.multi_modal_projector.linear_1', 'linear_3']"))).toEqual({
      atoms: ['model', 'multi_modal_projector', 'linear_1'],
      display: 'model.multi_modal_projector.linear_1',
      source: 'metadata',
    });
    expect(nodeScope(node('node_add', "['', 'add']"))).toEqual({ atoms: [], display: '', source: 'metadata' });
    // Damaged metadata falls back to the name.
    expect(nodeScope(node('/connector/Reshape', "['', 'conn"))?.display).toBe('connector');
  });
});
