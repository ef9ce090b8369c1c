/**
 * The reconstruction shipped for the default pack (public/reconstructions/<default>.json)
 * still belongs to the committed pack and image set: its fingerprints match embeddings made now
 * with ONNX Runtime, and its stored per-image losses are what its own weights give, recomputed
 * here by a plain-JavaScript forward pass (not tfjs, which trained it); and the same pass on the
 * tokens rounded to float16, as the app keeps them, gives nearly the same losses.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_DIMS, matchPrecomputed, parsePrecomputed, type PrecomputedReconstruction } from '../../src/core/imageset/precomputed.ts';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import { embedPngFile, openNodePack } from '../../scripts/packs/embedLikeTheApp.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { float32ToHalfBits, halfBitsToFloat32 } from '../../src/core/onnx/float16.ts';

const asHalf = (values: Float32Array) => halfBitsToFloat32(float32ToHalfBits(values));

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = 16;

// Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): ample for a 1e-3 comparison.
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** x [n, din] @ w [din, dout] + b, then layer norm (eps 1e-5) with gain and bias, then GELU. */
function dense(x: Float64Array, n: number, din: number, w: Float32Array, b: Float32Array, dout: number): Float64Array {
  const out = new Float64Array(n * dout);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < dout; o++) {
      let s = b[o]!;
      for (let i = 0; i < din; i++) s += x[r * din + i]! * w[i * dout + o]!;
      out[r * dout + o] = s;
    }
  return out;
}
function normGelu(x: Float64Array, n: number, d: number, gain: Float32Array, bias: Float32Array): Float64Array {
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + 1e-5);
    for (let i = 0; i < d; i++) x[r * d + i] = gelu((x[r * d + i]! - mean) * inv * gain[i]! + bias[i]!);
  }
  return x;
}

/** Mean squared error per image between the token-wise reconstruction of `post` and `pre`, standardised. */
function imageLoss(record: PrecomputedReconstruction, m: PackManifest, pre: Float32Array, post: Float32Array): number {
  const w = (suffix: string) => record.weights.find((x) => x.name.endsWith(suffix))!.values;
  const { pre: sPre, post: sPost } = record.standardizers;
  const T = m.tokens.pre;
  const x = Float64Array.from(post, (v, i) => (v - sPost.mean[i % sPost.dim]!) / sPost.std[i % sPost.dim]!);
  const hidden = record.architecture.hidden;
  const h1 = normGelu(dense(x, T, m.tokens.dPost, w('w1'), w('b1'), m.tokens.dPost), T, m.tokens.dPost, w('ln1_gain'), w('ln1_bias'));
  const h2 = normGelu(dense(h1, T, m.tokens.dPost, w('w2'), w('b2'), hidden), T, hidden, w('ln2_gain'), w('ln2_bias'));
  const out = dense(h2, T, hidden, w('w3'), w('b3'), m.tokens.dPre);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += (out[i]! - (pre[i]! - sPre.mean[i % sPre.dim]!) / sPre.std[i % sPre.dim]!) ** 2;
  return sum / out.length;
}

describe('the precomputed reconstruction of the default pack', () => {
  const packId = (JSON.parse(readFileSync(resolve(ROOT, 'models/index.json'), 'utf8')) as { default: string }).default;
  const record = parsePrecomputed(JSON.parse(readFileSync(resolve(ROOT, 'public/reconstructions', `${packId}.json`), 'utf8')));
  const checked = validateManifest(JSON.parse(readFileSync(resolve(ROOT, 'models', packId, 'manifest.json'), 'utf8')));
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  const manifest = checked.manifest;

  it('covers the whole bundled set, for this pack', () => {
    const files = (JSON.parse(readFileSync(resolve(ROOT, 'public/imageset/index.json'), 'utf8')) as { images: { file: string }[] }).images.map((i) => i.file);
    expect(record.packId).toBe(packId);
    expect([...record.files].sort()).toEqual([...files].sort());
    expect(record.tokens).toBe(manifest.tokens.pre);
    expect(record.architecture.kind).toBe('token-wise-mlp'); // the forward pass below is that one
  });

  it('matches embeddings made now, and its weights give its stored losses', async () => {
    const pack = await openNodePack(packId);
    // Spread over the set: every 18th image.
    const rows = Array.from({ length: SAMPLE }, (_, i) => Math.floor((i * record.files.length) / SAMPLE));
    const images = [];
    for (const row of rows) {
      const file = record.files[row]!;
      const e = await embedPngFile(pack, resolve(ROOT, 'public/imageset', file));
      images.push({ id: `row-${row}`, name: file, row, preData: e.pre, postData: e.post, pooled: { pre: e.pooledPre, post: e.pooledPost } });
    }
    const sub = {
      files: rows.map((r) => record.files[r]!),
      fingerprints: Float32Array.from(rows.flatMap((r) => [...record.fingerprints.subarray(r * FINGERPRINT_DIMS, (r + 1) * FINGERPRINT_DIMS)])),
    };
    expect(matchPrecomputed(sub, images)).toEqual({ ids: images.map((i) => i.id) });
    let halfEffect = 0;
    for (const i of images) {
      const loss = imageLoss(record, manifest, i.preData, i.postData);
      expect(Math.abs(loss - record.perImage[i.row]!), i.name).toBeLessThanOrEqual(1e-3 * (1 + loss));
      // The app keeps tokens as float16 (src/core/tokens/tokenStore.ts): the same weights on the
      // rounded tokens give nearly the same loss (the figure is quoted in docs/method.md).
      const halfLoss = imageLoss(record, manifest, asHalf(i.preData), asHalf(i.postData));
      halfEffect = Math.max(halfEffect, Math.abs(halfLoss - loss) / loss);
    }
    console.log(`float16 tokens: largest relative change of an image's loss ${halfEffect.toExponential(2)} (${images.length} images)`);
    expect(halfEffect).toBeLessThan(1e-3);
  }, 120_000);
});
