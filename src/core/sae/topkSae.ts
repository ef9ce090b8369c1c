/**
 * A TopK sparse autoencoder over embeddings (docs/method.md, sparse concepts; the second paper):
 *   z = TopK(W_enc (s·x − b_dec) + b_enc),  x̂ = (W_dec z + b_dec) / s
 * where s is one scale fixed before training (so the mean squared norm of a centred input is d:
 * the learning rate then suits any embedding size), TopK keeps the k largest pre-activations and
 * zeroes the rest (and any that are negative), and the rows of W_dec, the "concepts", have unit
 * length. Training lives in src/ml/trainSae.ts (tfjs); what a trained model says about data (codes,
 * reconstruction, the fraction of variance explained, L0, dead latents) is plain arithmetic here,
 * so the app, the CLI and the tests compute it the same way.
 */

export interface TopKSae {
  /** Embedding width. */
  readonly d: number;
  /** Dictionary size m: how many concepts. */
  readonly latents: number;
  /** Active latents per input at most. */
  readonly k: number;
  /** The input scale s (see above). */
  readonly scale: number;
  /** [d, latents] row-major: column j reads concept j's pre-activation. */
  readonly wEnc: Float32Array;
  readonly bEnc: Float32Array;
  /** [latents, d] row-major: row j is concept j's direction (unit length). */
  readonly wDec: Float32Array;
  /** [d], in scaled units. */
  readonly bDec: Float32Array;
}

/** Sparse codes: per input, the k active latents (ascending index order is not promised) and their activations (0 where fewer than k were positive). */
export interface SparseCodes {
  readonly n: number;
  readonly k: number;
  /** [n, k] latent indices. */
  readonly indices: Int32Array;
  /** [n, k] activations, ≥ 0. */
  readonly values: Float32Array;
}

/** Checks the arrays' sizes agree; throws a RangeError naming the first that does not. */
export function validateSae(sae: TopKSae): void {
  const { d, latents, k } = sae;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(latents) && latents >= 1)) throw new RangeError(`invalid SAE shape: d ${d}, latents ${latents}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= latents)) throw new RangeError(`invalid k: ${k} (1 to ${latents})`);
  if (!(sae.scale > 0 && Number.isFinite(sae.scale))) throw new RangeError(`invalid scale: ${sae.scale}`);
  const sizes: [string, number, number][] = [
    ['wEnc', sae.wEnc.length, d * latents],
    ['bEnc', sae.bEnc.length, latents],
    ['wDec', sae.wDec.length, latents * d],
    ['bDec', sae.bDec.length, d],
  ];
  for (const [name, got, want] of sizes) if (got !== want) throw new RangeError(`invalid ${name}: ${got} values, expected ${want}`);
}

/** The k largest of `row` (positive only), as index/value pairs written at `at` in the outputs; ties go to the lower index. */
function topK(row: Float64Array, k: number, indices: Int32Array, values: Float32Array, at: number): void {
  // k is small (tens): a sorted insertion buffer beats sorting m values.
  let filled = 0;
  for (let j = 0; j < row.length; j++) {
    const v = row[j]!;
    if (!(v > 0)) continue;
    if (filled === k && v <= values[at + k - 1]!) continue;
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && values[at + p - 1]! < v) {
      values[at + p] = values[at + p - 1]!;
      indices[at + p] = indices[at + p - 1]!;
      p--;
    }
    values[at + p] = v;
    indices[at + p] = j;
  }
  for (let p = filled; p < k; p++) {
    values[at + p] = 0;
    indices[at + p] = 0;
  }
}

/** The sparse codes of n inputs ([n, d] row-major, unscaled). */
export function encodeSae(sae: TopKSae, x: Float32Array, n: number): SparseCodes {
  validateSae(sae);
  const { d, latents: m, k, scale, wEnc, bEnc, bDec } = sae;
  if (x.length !== n * d) throw new RangeError(`encodeSae: ${x.length} values are not ${n} rows of ${d}`);
  const indices = new Int32Array(n * k);
  const values = new Float32Array(n * k);
  const centred = new Float64Array(d);
  const pre = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) centred[c] = scale * x[i * d + c]! - bDec[c]!;
    pre.set(bEnc);
    for (let c = 0; c < d; c++) {
      const v = centred[c]!;
      if (v === 0) continue;
      const rowAt = c * m;
      for (let j = 0; j < m; j++) pre[j]! += v * wEnc[rowAt + j]!;
    }
    topK(pre, k, indices, values, i * k);
  }
  return { n, k, indices, values };
}

/** x̂ for each code, unscaled: [n, d]. */
export function decodeSae(sae: TopKSae, codes: SparseCodes): Float32Array {
  const { d, scale, wDec, bDec } = sae;
  const out = new Float32Array(codes.n * d);
  const row = new Float64Array(d);
  for (let i = 0; i < codes.n; i++) {
    row.set(bDec);
    for (let p = 0; p < codes.k; p++) {
      const a = codes.values[i * codes.k + p]!;
      if (a === 0) continue;
      const at = codes.indices[i * codes.k + p]! * d;
      for (let c = 0; c < d; c++) row[c]! += a * wDec[at + c]!;
    }
    for (let c = 0; c < d; c++) out[i * d + c] = row[c]! / scale;
  }
  return out;
}

export interface SaeQuality {
  /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²: the share of the data's variance the reconstruction keeps. */
  readonly varianceExplained: number;
  /** Mean number of latents active per input (≤ k). */
  readonly meanL0: number;
  /** Share of latents that fire on none of these inputs. */
  readonly deadShare: number;
  /** Per latent: on how many of these inputs it fires. */
  readonly firing: Int32Array;
}

/** How well `sae` describes n inputs ([n, d], unscaled). */
export function saeQuality(sae: TopKSae, x: Float32Array, n: number): SaeQuality {
  const codes = encodeSae(sae, x, n);
  const xHat = decodeSae(sae, codes);
  const { d, latents } = sae;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c]! += x[i * d + c]! / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n * d; i++) {
    residual += (x[i]! - xHat[i]!) ** 2;
    total += (x[i]! - mean[i % d]!) ** 2;
  }
  const firing = new Int32Array(latents);
  let active = 0;
  for (let i = 0; i < n * codes.k; i++) {
    if (codes.values[i]! > 0) {
      active += 1;
      firing[codes.indices[i]!]! += 1;
    }
  }
  const dead = firing.reduce((s, f) => s + (f === 0 ? 1 : 0), 0);
  return { varianceExplained: total > 0 ? 1 - residual / total : 0, meanL0: n > 0 ? active / n : 0, deadShare: dead / latents, firing };
}

/** Cosine similarity of every row of `a` ([p, d]) with every row of `b` ([q, d]): [p, q]. */
export function rowCosines(a: Float32Array, p: number, b: Float32Array, q: number, d: number): Float64Array {
  const norms = (v: Float32Array, rows: number) =>
    Float64Array.from({ length: rows }, (_, r) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += v[r * d + c]! ** 2;
      return Math.sqrt(s);
    });
  const na = norms(a, p);
  const nb = norms(b, q);
  const out = new Float64Array(p * q);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += a[i * d + c]! * b[j * d + c]!;
      const denominator = na[i]! * nb[j]!;
      out[i * q + j] = denominator > 0 ? s / denominator : 0;
    }
  }
  return out;
}

/** One latent's activation on each of `tokens` consecutive rows of `codes` starting at row `first` (an image's patches): 0 where it is not active. */
export function latentActivations(codes: SparseCodes, first: number, tokens: number, latent: number): Float32Array {
  const out = new Float32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const at = (first + t) * codes.k;
    for (let p = 0; p < codes.k; p++) if (codes.indices[at + p] === latent) out[t] = codes.values[at + p]!;
  }
  return out;
}

/** Each latent's largest activation over all codes: the top of its heatmap colour scale. */
export function latentMaxima(codes: SparseCodes, latents: number): Float32Array {
  const out = new Float32Array(latents);
  for (let i = 0; i < codes.n * codes.k; i++) {
    const j = codes.indices[i]!;
    if (codes.values[i]! > out[j]!) out[j] = codes.values[i]!;
  }
  return out;
}
