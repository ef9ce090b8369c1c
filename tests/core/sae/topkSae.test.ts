/**
 * The SAE's arithmetic (core/sae/topkSae.ts) against a direct recomputation: pre-activations as a
 * dense matrix product, TopK by sorting every latent, x̂ as a dense product, and the quality figures
 * from their definitions.
 */
import { describe, expect, it } from 'vitest';
import { fillGaussian, seededRandom } from '../../../src/core/random.ts';
import { decodeSae, encodeSae, latentActivations, latentMaxima, rowCosines, saeQuality, validateSae, type TopKSae } from '../../../src/core/sae/topkSae.ts';

function randomSae(d: number, latents: number, k: number, seed: number): TopKSae {
  const random = seededRandom(seed);
  const wDec = fillGaussian(new Float32Array(latents * d), random);
  for (let j = 0; j < latents; j++) {
    const row = wDec.subarray(j * d, (j + 1) * d);
    const norm = Math.hypot(...row);
    row.forEach((v, c) => (row[c] = v / norm));
  }
  return {
    d,
    latents,
    k,
    scale: 1.7,
    wEnc: fillGaussian(new Float32Array(d * latents), random),
    bEnc: fillGaussian(new Float32Array(latents), random).map((v) => v * 0.1),
    wDec,
    bDec: fillGaussian(new Float32Array(d), random).map((v) => v * 0.1),
  };
}

/** The dense reference: every pre-activation, sorted; the k largest positive kept. */
function denseCodes(sae: TopKSae, x: Float32Array, n: number): Float64Array {
  const { d, latents: m, k } = sae;
  const z = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const pre = Array.from({ length: m }, (_, j) => {
      let s = sae.bEnc[j]!;
      for (let c = 0; c < d; c++) s += (sae.scale * x[i * d + c]! - sae.bDec[c]!) * sae.wEnc[c * m + j]!;
      return { j, s };
    });
    pre.sort((a, b) => b.s - a.s || a.j - b.j);
    for (const { j, s } of pre.slice(0, k)) if (s > 0) z[i * m + j] = s;
  }
  return z;
}

describe('TopK SAE arithmetic', () => {
  const n = 50;
  const sae = randomSae(12, 30, 4, 1);
  const x = fillGaussian(new Float32Array(n * 12), seededRandom(2));

  it('encodes to the k largest positive pre-activations, as a dense product and a full sort give', () => {
    const codes = encodeSae(sae, x, n);
    const dense = denseCodes(sae, x, n);
    const sparse = new Float64Array(n * sae.latents);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < sae.k; p++)
        if (codes.values[i * sae.k + p]! > 0) sparse[i * sae.latents + codes.indices[i * sae.k + p]!] = codes.values[i * sae.k + p]!;
    for (let i = 0; i < sparse.length; i++) expect(sparse[i]).toBeCloseTo(dense[i]!, 4);
  });

  it('decodes as W_dec z + b_dec, unscaled, and measures variance explained, L0 and dead latents from their definitions', () => {
    const codes = encodeSae(sae, x, n);
    const xHat = decodeSae(sae, codes);
    const dense = denseCodes(sae, x, n);
    const { d, latents: m } = sae;
    let residual = 0;
    let total = 0;
    const mean = Array.from({ length: d }, (_, c) => Array.from({ length: n }, (_, i) => x[i * d + c]!).reduce((a, b) => a + b, 0) / n);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < d; c++) {
        let v = sae.bDec[c]!;
        for (let j = 0; j < m; j++) v += dense[i * m + j]! * sae.wDec[j * d + c]!;
        expect(xHat[i * d + c]).toBeCloseTo(v / sae.scale, 4);
        residual += (x[i * d + c]! - v / sae.scale) ** 2;
        total += (x[i * d + c]! - mean[c]!) ** 2;
      }
    const quality = saeQuality(sae, x, n);
    expect(quality.varianceExplained).toBeCloseTo(1 - residual / total, 6);
    const active = dense.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    expect(quality.meanL0).toBeCloseTo(active / n, 12);
    const firing = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => (dense[i * m + j]! > 0 ? 1 : 0)).reduce((a: number, b) => a + b, 0));
    expect(Array.from(quality.firing)).toEqual(firing);
    expect(quality.deadShare).toBeCloseTo(firing.filter((f) => f === 0).length / m, 12);
  });

  it('measures cosines between rows and refuses arrays of the wrong size', () => {
    const a = new Float32Array([1, 0, 0, 2, 2, 0]);
    const b = new Float32Array([0, 3, 0, -1, 0, 0]);
    expect(Array.from(rowCosines(a, 2, b, 2, 3)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual(
      [0, -1, Math.SQRT1_2, -Math.SQRT1_2].map((v) => Math.round(v * 1e6) / 1e6),
    );
    expect(() => validateSae({ ...sae, wDec: new Float32Array(3) })).toThrow('invalid wDec');
    expect(() => validateSae({ ...sae, k: 31 })).toThrow('invalid k');
  });

  it('reads one latent over an image’s patches and each latent’s maximum, as the dense codes have them', () => {
    const codes = encodeSae(sae, x, n);
    const dense = denseCodes(sae, x, n);
    const m = sae.latents;
    for (const latent of [0, 7, 29]) {
      const patches = latentActivations(codes, 10, 5, latent);
      for (let t = 0; t < 5; t++) expect(patches[t]).toBeCloseTo(dense[(10 + t) * m + latent]!, 4);
    }
    const maxima = latentMaxima(codes, m);
    for (let j = 0; j < m; j++) expect(maxima[j]).toBeCloseTo(Math.max(0, ...Array.from({ length: n }, (_, i) => dense[i * m + j]!)), 4);
  });
});
