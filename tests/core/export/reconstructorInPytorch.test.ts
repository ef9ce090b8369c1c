/**
 * docs/reconstructor-in-pytorch.md works: a reconstructor trained by the app's own tfjs code
 * (tiny, a few epochs), exported with reconstructorExport.ts, rebuilt by
 * tools/reconstructor_loss.py in PyTorch from one image's pre/post blocks, gives the app's
 * per-patch loss (patchLoss.ts over the model's prediction) within 1e-5 relative, for both kinds.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/core/blockstore/safetensors.ts';
import { reconstructorJson, reconstructorSafetensors, type ExportedReconstructor } from '../../../src/core/export/reconstructorExport.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { trainReconstructor, type ReconstructionData } from '../../../src/ml/trainReconstructor.ts';
import { TOOLS_PYTHON, whyNoToolsPython } from '../../support/toolsPython.ts';
import { tempDir } from './python.ts';

const SCRIPT = resolve(import.meta.dirname, '../../../tools/reconstructor_loss.py');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Post tokens as a fixed random linear map of the pre tokens of the patches each one covers. */
function data(tokensPre: number, tokensPost: number, tokenSource: readonly number[]): ReconstructionData {
  const images = 6;
  const dPre = 3;
  const dPost = 5;
  const r = seededRandom(17);
  const pre = Float32Array.from({ length: images * tokensPre * dPre }, () => 2 * r() - 1);
  const a = Float32Array.from({ length: dPre * dPost }, () => 2 * r() - 1);
  const post = new Float32Array(images * tokensPost * dPost);
  for (let i = 0; i < images; i++) {
    for (let t = 0; t < tokensPre; t++) {
      const j = tokenSource[t]!;
      for (let o = 0; o < dPost; o++) {
        let s = 0;
        for (let d = 0; d < dPre; d++) s += pre[(i * tokensPre + t) * dPre + d]! * a[d * dPost + o]!;
        post[(i * tokensPost + j) * dPost + o]! += s;
      }
    }
  }
  const base = { pre, post, images, tokensPre, tokensPost, dPre, dPost };
  return tokensPre === tokensPost ? base : { ...base, tokenSource };
}

const CASES = [
  { kind: 'token-wise-mlp', tokensPre: 4, tokensPost: 4, tokenSource: [0, 1, 2, 3] },
  { kind: 'token-mixing-mlp', tokensPre: 4, tokensPost: 2, tokenSource: [0, 0, 1, 1] },
] as const;

describe('the reconstructor in PyTorch (tools/reconstructor_loss.py)', () => {
  for (const c of CASES) {
    it(`reproduces the app's per-patch loss for one image (${c.kind})`, async (ctx) => {
      const why = whyNoToolsPython('torch', 'safetensors', 'numpy');
      if (why) ctx.skip(why);
      const d = data(c.tokensPre, c.tokensPost, c.tokenSource);
      const hidden = 6;
      const outcome = await trainReconstructor(d, { epochs: 3, hidden, batchSize: 2, seed: 5, patience: 3, dropout: 0.1 });
      expect(outcome.architecture.kind).toBe(c.kind);
      const model: ExportedReconstructor = {
        kind: outcome.architecture.kind,
        tokensPre: d.tokensPre,
        tokensPost: d.tokensPost,
        dPre: d.dPre,
        dPost: d.dPost,
        hidden,
        weights: outcome.weights,
        standardizers: outcome.standardizers,
        tokenSource: c.kind === 'token-mixing-mlp' ? c.tokenSource : null,
      };
      const dir = tempDir('reconstructor');
      writeFileSync(join(dir, 'reconstructor.safetensors'), reconstructorSafetensors(model));
      writeFileSync(join(dir, 'reconstructor.json'), reconstructorJson(model));
      const image = 2;
      const block = (values: Float32Array, tokens: number, dim: number) =>
        writeSafetensors([{ name: 'block', dtype: 'F32', shape: [tokens, dim], data: values.slice(image * tokens * dim, (image + 1) * tokens * dim) }], {
          format: 'pt',
        });
      writeFileSync(join(dir, 'pre-block-2.safetensors'), block(d.pre, d.tokensPre, d.dPre));
      writeFileSync(join(dir, 'post-block-2.safetensors'), block(d.post, d.tokensPost, d.dPost));

      const run = spawnSync(
        TOOLS_PYTHON,
        [
          SCRIPT,
          '--weights',
          join(dir, 'reconstructor.safetensors'),
          '--config',
          join(dir, 'reconstructor.json'),
          '--pre',
          join(dir, 'pre-block-2.safetensors'),
          '--post',
          join(dir, 'post-block-2.safetensors'),
          '--json',
        ],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const result = JSON.parse(run.stdout) as { imageLoss: number; perPatch: number[] };
      const T = d.tokensPre;
      const app = outcome.patchLoss.perPatch.subarray(image * T, (image + 1) * T);
      expect(result.perPatch).toHaveLength(T);
      for (let t = 0; t < T; t++) {
        const expected = app[t]!;
        expect(expected).toBeGreaterThan(1e-3); // a loss of zero would make the check vacuous
        expect(Math.abs(result.perPatch[t]! - expected) / expected, `patch ${t}`).toBeLessThan(1e-5);
      }
      expect(Math.abs(result.imageLoss - outcome.patchLoss.perImage[image]!) / outcome.patchLoss.perImage[image]!).toBeLessThan(1e-5);
    });
  }

  it('refuses a block whose shape the reconstructor does not take, naming the flag', (ctx) => {
    const why = whyNoToolsPython('torch', 'safetensors', 'numpy');
    if (why) ctx.skip(why);
    const dir = tempDir('reconstructor');
    const r = seededRandom(1);
    const values = (n: number) => Float32Array.from({ length: n }, () => r());
    const model: ExportedReconstructor = {
      kind: 'token-wise-mlp',
      tokensPre: 2,
      tokensPost: 2,
      dPre: 2,
      dPost: 2,
      hidden: 2,
      weights: [
        ['w1', [2, 2]],
        ['b1', [2]],
        ['ln1_gain', [2]],
        ['ln1_bias', [2]],
        ['w2', [2, 2]],
        ['b2', [2]],
        ['ln2_gain', [2]],
        ['ln2_bias', [2]],
        ['w3', [2, 2]],
        ['b3', [2]],
      ].map(([name, shape]) => ({ name: name as string, shape: shape as number[], values: values((shape as number[]).reduce((a, b) => a * b, 1)) })),
      standardizers: { pre: { mean: values(2), std: values(2) }, post: { mean: values(2), std: values(2) } },
      tokenSource: null,
    };
    writeFileSync(join(dir, 'r.safetensors'), reconstructorSafetensors(model));
    writeFileSync(join(dir, 'r.json'), reconstructorJson(model));
    writeFileSync(join(dir, 'pre.safetensors'), writeSafetensors([{ name: 'block', dtype: 'F32', shape: [2, 2], data: values(4) }]));
    writeFileSync(join(dir, 'post.safetensors'), writeSafetensors([{ name: 'block', dtype: 'F32', shape: [3, 2], data: values(6) }]));
    const run = spawnSync(
      TOOLS_PYTHON,
      [
        SCRIPT,
        '--weights',
        join(dir, 'r.safetensors'),
        '--config',
        join(dir, 'r.json'),
        '--pre',
        join(dir, 'pre.safetensors'),
        '--post',
        join(dir, 'post.safetensors'),
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--post: block is [3, 2], the reconstructor expects [2, 2]');
  });
});
