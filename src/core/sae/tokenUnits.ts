/**
 * Co-activation on corresponding patches (docs/method.md, "Concepts across the connector"): the
 * connector's token geometry (core/geometry/connectorGeometry.ts's routing) says which patches
 * each post token is made from. That pair, one post token and the patches it was made from, is a
 * unit; a pre concept's activation on a unit is its mean over those patches, a post concept's is
 * its activation on the post token. Correlated over every image's units, a post concept counts as
 * a counterpart only when it fires where the pre concept fires, not merely on the same images.
 *
 * Sparse throughout: TopK codes have k non-zeros a row, so the cross sums cost k_pre · k_post a
 * unit instead of m_pre · m_post (a dense [images · T′, m] matrix is gigabytes at LLaVA size).
 */
import type { SparseCodes } from './topkSae.ts';

/** Rows of sparse activations, compressed: row r's entries are indices/values[offsets[r] .. offsets[r + 1]). */
export interface SparseRows {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * The patches of each post token, from the routing (for every patch, the post token it feeds), or
 * null when the routing gives no fixed correspondence: a patch without a post token (-1, the
 * perceiver), a post token out of range, or a post token made from no patch.
 */
export function unitsFromRouting(routing: ArrayLike<number>, tokensPost: number): number[][] | null {
  const units: number[][] = Array.from({ length: tokensPost }, () => []);
  for (let patch = 0; patch < routing.length; patch++) {
    const j = routing[patch]!;
    if (!Number.isInteger(j) || j < 0 || j >= tokensPost) return null;
    units[j]!.push(patch);
  }
  return units.every((u) => u.length > 0) ? units : null;
}

/** TopK codes as sparse rows (zero activations left out). */
export function sparseRowsOfCodes(codes: SparseCodes): SparseRows {
  const offsets = new Int32Array(codes.n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < codes.n; r++) {
    for (let p = 0; p < codes.k; p++) {
      const v = codes.values[r * codes.k + p]!;
      if (v > 0) {
        indices.push(codes.indices[r * codes.k + p]!);
        values.push(v);
      }
    }
    offsets[r + 1] = indices.length;
  }
  return { n: codes.n, offsets, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/**
 * Pre concepts' activations on the units: for image i and post token j, the mean of each concept's
 * activation over the patches of j (row i · T′ + j). `codes` rows are image-major, tokensPre a row.
 */
export function preActivationsOnUnits(codes: SparseCodes, images: number, tokensPre: number, units: readonly (readonly number[])[]): SparseRows {
  if (codes.n !== images * tokensPre) throw new RangeError(`expected ${images} × ${tokensPre} code rows, got ${codes.n}`);
  const tokensPost = units.length;
  const offsets = new Int32Array(images * tokensPost + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const sum = new Map<number, number>();
  for (let i = 0; i < images; i++)
    for (let j = 0; j < tokensPost; j++) {
      const patches = units[j]!;
      sum.clear();
      for (const patch of patches) {
        const row = (i * tokensPre + patch) * codes.k;
        for (let p = 0; p < codes.k; p++) {
          const v = codes.values[row + p]!;
          if (v > 0) sum.set(codes.indices[row + p]!, (sum.get(codes.indices[row + p]!) ?? 0) + v);
        }
      }
      for (const [latent, total] of [...sum].sort((a, b) => a[0] - b[0])) {
        indices.push(latent);
        values.push(total / patches.length);
      }
      offsets[i * tokensPost + j + 1] = indices.length;
    }
  return { n: images * tokensPost, offsets, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/**
 * Pearson correlation of every pre column with every post column over the n shared rows: [mPre,
 * mPost], row-major; 0 where a column is constant. Computed from sums (float64): cov = S_ab/n −
 * (S_a/n)(S_b/n).
 */
export function sparseCorrelations(a: SparseRows, mPre: number, b: SparseRows, mPost: number): Float64Array {
  if (a.n !== b.n) throw new RangeError(`the two sides have ${a.n} and ${b.n} rows`);
  const n = a.n;
  const moments = (x: SparseRows, m: number) => {
    const s = new Float64Array(m);
    const ss = new Float64Array(m);
    for (let e = 0; e < x.indices.length; e++) {
      const v = x.values[e]!;
      s[x.indices[e]!]! += v;
      ss[x.indices[e]!]! += v * v;
    }
    return { s, ss };
  };
  const ma = moments(a, mPre);
  const mb = moments(b, mPost);
  const cross = new Float64Array(mPre * mPost);
  for (let r = 0; r < n; r++)
    for (let ea = a.offsets[r]!; ea < a.offsets[r + 1]!; ea++) {
      const base = a.indices[ea]! * mPost;
      const va = a.values[ea]!;
      for (let eb = b.offsets[r]!; eb < b.offsets[r + 1]!; eb++) cross[base + b.indices[eb]!]! += va * b.values[eb]!;
    }
  const sd = (s: number, ss: number) => Math.sqrt(Math.max(0, ss / n - (s / n) ** 2));
  for (let x = 0; x < mPre; x++) {
    const sx = sd(ma.s[x]!, ma.ss[x]!);
    for (let y = 0; y < mPost; y++) {
      const sy = sd(mb.s[y]!, mb.ss[y]!);
      const cov = cross[x * mPost + y]! / n - (ma.s[x]! / n) * (mb.s[y]! / n);
      // A near-constant column (relative to its size) has no correlation to speak of.
      cross[x * mPost + y] = sx > 1e-12 && sy > 1e-12 ? Math.max(-1, Math.min(1, cov / (sx * sy))) : 0;
    }
  }
  return cross;
}
