/**
 * reconstructor.safetensors read by Python's safetensors (and a header parsed here), and
 * reconstructor.json: a PyTorch state_dict with tfjs's [in, out] matrices transposed, and
 * standardisers that read back as the same float32 values.
 */
import { describe, expect, it } from 'vitest';
import {
  checkReconstructor,
  reconstructorConfig,
  reconstructorSafetensors,
  reconstructorStateDict,
  type ExportedReconstructor,
} from '../../../src/core/export/reconstructorExport.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { runPython, tempFile } from './python.ts';
import { randomReconstructor, SHAPE } from './sessionFixture.ts';

const weight = (r: ExportedReconstructor, name: string) => r.weights.find((w) => w.name === name)!;

describe('reconstructorStateDict', () => {
  it('names the parameters as the PyTorch module does and stores Linear weights [out, in]', () => {
    const r = randomReconstructor(1);
    const state = new Map(reconstructorStateDict(r).map((t) => [t.name, t]));
    expect([...state.keys()]).toEqual([
      'fc1.weight',
      'fc1.bias',
      'ln1.weight',
      'ln1.bias',
      'fc2.weight',
      'fc2.bias',
      'ln2.weight',
      'ln2.bias',
      'fc3.weight',
      'fc3.bias',
      'token_mix',
      'token_position',
    ]);
    const w2 = weight(r, 'w2'); // [dPost, hidden]
    const fc2 = state.get('fc2.weight')!;
    expect(fc2.shape).toEqual([SHAPE.hidden, SHAPE.dPost]);
    for (let i = 0; i < SHAPE.dPost; i++) for (let o = 0; o < SHAPE.hidden; o++) expect(fc2.data[o * SHAPE.dPost + i]).toBe(w2.values[i * SHAPE.hidden + o]);
    expect(state.get('token_mix')!.data).toEqual(weight(r, 'token_mix').values);
    expect(state.get('token_mix')!.shape).toEqual([SHAPE.tokensPost, SHAPE.tokensPre]);
  });

  it('refuses a weight missing, misshapen or foreign, a wrong kind and a bad routing, naming it', () => {
    const r = randomReconstructor(1);
    const without = (name: string) => ({ ...r, weights: r.weights.filter((w) => w.name !== name) });
    expect(() => checkReconstructor(without('b2'))).toThrow(/'b2' is missing/);
    expect(() => checkReconstructor({ ...r, weights: r.weights.map((w) => (w.name === 'w3' ? { ...w, shape: [SHAPE.dPre, SHAPE.hidden] } : w)) })).toThrow(
      /'w3': shape \[6, 5\]/,
    );
    expect(() => checkReconstructor({ ...r, weights: [...r.weights, { name: 'extra', shape: [1], values: new Float32Array(1) }] })).toThrow(
      /'extra' is not a token-mixing-mlp parameter/,
    );
    expect(() => checkReconstructor({ ...r, kind: 'token-wise-mlp' })).toThrow(/invalid reconstructor.kind/);
    expect(() => checkReconstructor({ ...r, tokenSource: [0, 0, 1, 1, 2, 3] })).toThrow(/tokenSource\[5\]: 3/);
    expect(() => checkReconstructor({ ...r, standardizers: { ...r.standardizers, post: { mean: new Float32Array(3), std: new Float32Array(4) } } })).toThrow(
      /standardizers.post: 3 means/,
    );
    expect(() => checkReconstructor({ ...r, hidden: 0 })).toThrow(/invalid reconstructor.hidden: 0/);
  });
});

describe('reconstructor files', () => {
  it('reconstructor.json holds the sizes and the standardisers as float32 values that read back exactly', () => {
    const r = randomReconstructor(2);
    const config = JSON.parse(JSON.stringify(reconstructorConfig(r))) as {
      kind: string;
      layerSizes: number[];
      layerNormEps: number;
      activation: string;
      standardizers: { pre: { mean: number[]; std: number[] } };
      tokenRouting: number[];
    };
    expect(config).toMatchObject({
      kind: 'token-mixing-mlp',
      layerSizes: [4, 4, 5, 6],
      layerNormEps: 1e-5,
      activation: 'gelu',
      tokenRouting: [0, 0, 1, 1, 2, -1],
    });
    expect(Float32Array.from(config.standardizers.pre.mean)).toEqual(r.standardizers.pre.mean);
    expect(Float32Array.from(config.standardizers.pre.std)).toEqual(r.standardizers.pre.std);
  });

  it("reconstructor.safetensors is read by Python's safetensors with the same names, shapes and values", (ctx) => {
    const why = whyNoToolsPython('safetensors', 'numpy');
    if (why) ctx.skip(why);
    const r = randomReconstructor(3);
    const path = tempFile('reconstructor.safetensors', reconstructorSafetensors(r));
    const read = JSON.parse(
      runPython(
        `import json, sys
from safetensors.numpy import load_file
from safetensors import safe_open
t = load_file(sys.argv[1])
with safe_open(sys.argv[1], 'np') as f:
    meta = f.metadata()
print(json.dumps({'meta': meta, 'tensors': {k: {'dtype': v.dtype.str, 'shape': list(v.shape), 'values': v.ravel().astype(float).tolist()} for k, v in t.items()}}))`,
        [path],
      ),
    ) as { meta: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> };
    expect(read.meta).toMatchObject({ format: 'pt', kind: 'token-mixing-mlp' });
    const state = reconstructorStateDict(r);
    expect(Object.keys(read.tensors).sort()).toEqual(state.map((t) => t.name).sort());
    for (const t of state) {
      const got = read.tensors[t.name]!;
      expect(got.dtype, t.name).toBe('<f4');
      expect(got.shape, t.name).toEqual([...t.shape]);
      expect(Float32Array.from(got.values), t.name).toEqual(t.data);
    }
  });
});
