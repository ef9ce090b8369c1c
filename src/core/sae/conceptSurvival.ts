/**
 * Which concepts survive the connector (docs/method.md, "Concepts across the connector"): one
 * SAE before it and one after it, on the same images. A pre concept is matched to the post
 * concept that fires on the same images (co-activation: the Pearson correlation of their
 * activations over the images; on patch tokens, over corresponding patches, core/sae/tokenUnits.ts)
 * and points the same way once the post concept's direction is
 * carried back into the pre space by a linear map fitted on the data (ridge least squares,
 * post → pre; the connector is not invertible, the map is its best linear undoing on these images).
 *
 *   bridge(i, j) = max(0, corr(a_i, b_j)) · max(0, cos(d_i, M d_j))
 *
 * in the spirit of the second paper's Bridge Score (co-activation on aligned inputs times
 * geometric alignment). A pre concept is paired with the best bridge among the post concepts that
 * co-activate with it at `lostBelow` or more; with none, it has no counterpart after the
 * connector: what it encoded was merged away or dropped.
 */
import type { SparseCodes } from './topkSae.ts';

/** Dense [n, latents] activations from sparse codes. */
export function denseActivations(codes: SparseCodes, latents: number): Float32Array {
  const out = new Float32Array(codes.n * latents);
  for (let i = 0; i < codes.n; i++)
    for (let p = 0; p < codes.k; p++) {
      const v = codes.values[i * codes.k + p]!;
      if (v > 0) out[i * latents + codes.indices[i * codes.k + p]!] = v;
    }
  return out;
}

/** Pearson correlation of every column of a ([n, p]) with every column of b ([n, q]) over the n rows: [p, q]; 0 where a column is constant. */
export function columnCorrelations(a: Float32Array, p: number, b: Float32Array, q: number, n: number): Float64Array {
  const centred = (x: Float32Array, cols: number) => {
    const out = new Float64Array(n * cols);
    const norms = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i * cols + c]!;
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i * cols + c]! - mean;
        out[i * cols + c] = v;
        ss += v * v;
      }
      norms[c] = Math.sqrt(ss);
    }
    return { out, norms };
  };
  const ca = centred(a, p);
  const cb = centred(b, q);
  const r = new Float64Array(p * q);
  for (let i = 0; i < n; i++) {
    const rowA = i * p;
    const rowB = i * q;
    for (let x = 0; x < p; x++) {
      const v = ca.out[rowA + x]!;
      if (v === 0) continue;
      for (let y = 0; y < q; y++) r[x * q + y]! += v * cb.out[rowB + y]!;
    }
  }
  for (let x = 0; x < p; x++)
    for (let y = 0; y < q; y++) {
      const denominator = ca.norms[x]! * cb.norms[y]!;
      r[x * q + y] = denominator > 0 ? r[x * q + y]! / denominator : 0;
    }
  return r;
}

/** Solves the symmetric positive definite system A X = B in place (Cholesky); A [d, d], B [d, c]. */
function solveSpd(a: Float64Array, b: Float64Array, d: number, c: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) l[i * d + i] = Math.sqrt(Math.max(s, 1e-300));
      else l[i * d + j] = s / l[j * d + j]!;
    }
  const x = Float64Array.from(b);
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < d; i++) {
      let s = x[i * c + col]!;
      for (let k = 0; k < i; k++) s -= l[i * d + k]! * x[k * c + col]!;
      x[i * c + col] = s / l[i * d + i]!;
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = x[i * c + col]!;
      for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k * c + col]!;
      x[i * c + col] = s / l[i * d + i]!;
    }
  }
  return x;
}

/**
 * The ridge least-squares map M [dPost, dPre] with pre ≈ (post − mean_post) M + mean_pre over the
 * n rows; ridge is relative to the mean diagonal of the post covariance (scale-free).
 */
export function fitLinearMap(post: Float32Array, dPost: number, pre: Float32Array, dPre: number, n: number, ridge = 1e-3): Float64Array {
  const meanOf = (x: Float32Array, d: number) => {
    const m = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) m[c]! += x[i * d + c]! / n;
    return m;
  };
  const mp = meanOf(post, dPost);
  const mq = meanOf(pre, dPre);
  const gram = new Float64Array(dPost * dPost);
  const cross = new Float64Array(dPost * dPre);
  const u = new Float64Array(dPost);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dPost; c++) u[c] = post[i * dPost + c]! - mp[c]!;
    for (let a = 0; a < dPost; a++) {
      const ua = u[a]!;
      if (ua === 0) continue;
      for (let b = 0; b < dPost; b++) gram[a * dPost + b]! += ua * u[b]!;
      for (let c = 0; c < dPre; c++) cross[a * dPre + c]! += ua * (pre[i * dPre + c]! - mq[c]!);
    }
  }
  let trace = 0;
  for (let a = 0; a < dPost; a++) trace += gram[a * dPost + a]!;
  const lambda = ridge * Math.max(trace / dPost, 1e-12);
  for (let a = 0; a < dPost; a++) gram[a * dPost + a]! += lambda;
  return solveSpd(gram, cross, dPost, dPre);
}

export interface ConceptMatch {
  /** The pre concept (latent index). */
  readonly pre: number;
  /** The post concept it is matched to (the best bridge among those co-activating at lostBelow or more); when lost, the one that came closest; null when none co-activates at all. */
  readonly post: number | null;
  /** Co-activation (Pearson r over images, or over corresponding patches when SurvivalInput.correlations is given) with that post concept. */
  readonly coActivation: number;
  /** cos(d_pre, M d_post) with that partner; NaN without a map. */
  readonly alignment: number;
  readonly bridge: number;
  /** No post concept co-activates with it at lostBelow or more. */
  readonly lost: boolean;
}

export interface SurvivalInput {
  /** Dense activations over the same n images: [n, mPre] and [n, mPost]. */
  readonly preActivations: Float32Array;
  readonly postActivations: Float32Array;
  readonly n: number;
  readonly mPre: number;
  readonly mPost: number;
  /** Decoder directions [mPre, dPre] and [mPost, dPost]. */
  readonly preDirections: Float32Array;
  readonly postDirections: Float32Array;
  readonly dPre: number;
  readonly dPost: number;
  /** fitLinearMap's [dPost, dPre] (post → pre); null when none was fitted (too wide to fit here): then the bridge is the co-activation alone. */
  readonly map: Float64Array | null;
  /**
   * Co-activations [mPre, mPost] measured on finer units than images (core/sae/tokenUnits.ts: each
   * post token and the patches it was made from); when absent, they are computed over the images.
   */
  readonly correlations?: Float64Array;
}

/** The default co-activation below which a pre concept counts as lost. */
export const LOST_BELOW = 0.3;

/** For each pre concept that fires on at least one image, its best partner after the connector by bridge score. */
export function matchConcepts(input: SurvivalInput, lostBelow = LOST_BELOW): ConceptMatch[] {
  const { n, mPre, mPost, dPre, dPost, map } = input;
  const corr = input.correlations ?? columnCorrelations(input.preActivations, mPre, input.postActivations, mPost, n);
  if (corr.length !== mPre * mPost) throw new RangeError(`expected ${mPre} × ${mPost} co-activations, got ${corr.length}`);
  // Post directions carried into the pre space, then unit length.
  const carried = new Float64Array(map ? mPost * dPre : 0);
  for (let j = 0; map && j < mPost; j++) {
    let norm = 0;
    for (let c = 0; c < dPre; c++) {
      let s = 0;
      for (let a = 0; a < dPost; a++) s += input.postDirections[j * dPost + a]! * map[a * dPre + c]!;
      carried[j * dPre + c] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm) || 1;
    for (let c = 0; c < dPre; c++) carried[j * dPre + c]! /= norm;
  }
  const fires = (i: number) => {
    for (let r = 0; r < n; r++) if (input.preActivations[r * mPre + i]! > 0) return true;
    return false;
  };
  const out: ConceptMatch[] = [];
  for (let i = 0; i < mPre; i++) {
    if (!fires(i)) continue;
    let preNorm = 0;
    for (let c = 0; c < dPre; c++) preNorm += input.preDirections[i * dPre + c]! ** 2;
    preNorm = Math.sqrt(preNorm) || 1;
    const pairWith = (j: number): ConceptMatch => {
      const r = corr[i * mPost + j]!;
      let cos = Number.NaN;
      if (map) {
        cos = 0;
        for (let c = 0; c < dPre; c++) cos += input.preDirections[i * dPre + c]! * carried[j * dPre + c]!;
        cos /= preNorm;
      }
      return { pre: i, post: j, coActivation: r, alignment: cos, bridge: Math.max(0, r) * (map ? Math.max(0, cos) : 1), lost: false };
    };
    // Partners are the post concepts that co-activate at lostBelow or more, the best bridge first;
    // with none, the concept is lost, shown beside the one that came closest.
    let best: ConceptMatch | null = null;
    let closest = -1;
    for (let j = 0; j < mPost; j++) {
      const r = corr[i * mPost + j]!;
      if (closest < 0 || r > corr[i * mPost + closest]!) closest = j;
      if (r < lostBelow) continue;
      const pair = pairWith(j);
      if (!best || pair.bridge > best.bridge || (pair.bridge === best.bridge && r > best.coActivation)) best = pair;
    }
    if (best) out.push(best);
    else if (closest >= 0 && corr[i * mPost + closest]! > 0) out.push({ ...pairWith(closest), lost: true });
    else out.push({ pre: i, post: null, coActivation: 0, alignment: Number.NaN, bridge: 0, lost: true });
  }
  return out;
}
