/**
 * The AdamW step kernel (src/ml/adamStep.ts): the committed binary is what the generator assembles
 * now, and its values (weights and both moments) equal the update written out in float64
 * arithmetic with a rounding to float32 after every operation, over lengths that leave 0 to 3
 * values for the scalar tail and over several keys whose moments must not mix.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAM_MODULE_PATH, adamModuleSource } from '../../scripts/kernels/build.ts';
import { AdamKernel, type AdamConstants } from '../../src/ml/adamStep.ts';
import { uniformArray } from '../support/uniformArray.ts';

const f32 = Math.fround;

/** One step in plain arithmetic, each operation rounded as a float32 op rounds. */
function referenceStep(g: Float32Array, w: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    m[i] = f32(f32(m[i]! * c.beta1) + f32(g[i]! * c.gain1));
    v[i] = f32(f32(v[i]! * c.beta2) + f32(f32(g[i]! * g[i]!) * c.gain2));
    const denominator = f32(f32(Math.sqrt(f32(v[i]! / c.unbias2))) + c.epsilon);
    out[i] = f32(f32(f32(f32(f32(m[i]! / c.unbias1) / denominator) * c.negativeLr) + w[i]!) * c.shrink);
  }
  return out;
}

function constants(step: number, shrink: number): AdamConstants {
  const acc1 = f32(0.9 ** step);
  const acc2 = f32(0.999 ** step);
  return {
    beta1: f32(0.9),
    beta2: f32(0.999),
    gain1: f32(0.1),
    gain2: f32(0.001),
    unbias1: f32(1 - acc1),
    unbias2: f32(1 - acc2),
    epsilon: f32(1e-7),
    negativeLr: f32(-3e-3),
    shrink: f32(shrink),
  };
}

describe('AdamKernel', () => {
  it('is built from the committed text (a fresh assembly gives the committed binary)', async () => {
    expect(readFileSync(ADAM_MODULE_PATH, 'utf8')).toBe(await adamModuleSource());
  });

  it('gives the float32 op-by-op values for every length of tail, keeping each key’s moments apart', () => {
    const kernel = AdamKernel.create<string>();
    expect(kernel).not.toBeNull();
    const lengths = [1, 2, 3, 4, 5, 6, 7, 64, 1001];
    const state = new Map(lengths.map((n) => [String(n), { w: uniformArray(n, n), m: new Float32Array(n), v: new Float32Array(n) }]));
    for (let step = 1; step <= 4; step++)
      for (const n of lengths) {
        const s = state.get(String(n))!;
        // Zero gradients here and there: then only the moments' decay moves a weight.
        const g = uniformArray(n, 1000 * step + n).map((x) => (x > 0.7 ? 0 : x));
        const c = constants(step, step % 2 === 0 ? 1 - 3e-3 * 0.01 : 1);
        const out = new Float32Array(n).fill(Number.NaN);
        kernel!.apply(String(n), g, s.w, out, c);
        const expected = referenceStep(g, s.w, s.m, s.v, c);
        expect(Array.from(out), `length ${n}, step ${step}`).toEqual(Array.from(expected));
        const moments = kernel!.moments(String(n))!;
        expect(Array.from(moments.m)).toEqual(Array.from(s.m));
        expect(Array.from(moments.v)).toEqual(Array.from(s.v));
        s.w = out;
      }
  });

  it('refuses arrays of different lengths and a key whose size changed', () => {
    const kernel = AdamKernel.create<string>()!;
    const c = constants(1, 1);
    expect(() => kernel.apply('a', new Float32Array(3), new Float32Array(4), new Float32Array(4), c)).toThrow(RangeError);
    kernel.apply('a', new Float32Array(4), new Float32Array(4), new Float32Array(4), c);
    expect(() => kernel.apply('a', new Float32Array(5), new Float32Array(5), new Float32Array(5), c)).toThrow(/4 values now has 5/);
  });
});
