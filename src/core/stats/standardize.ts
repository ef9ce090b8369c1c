/**
 * Per-dimension standardisation (docs/method.md, reconstruction step 1): mean and std are fitted on
 * training rows only, then applied to every row. A constant dimension (std 0) would divide by
 * zero; it is centred and left unscaled (std treated as 1) and counted so the UI can say so.
 */
export interface Standardizer {
  readonly dim: number;
  readonly mean: Float32Array;
  /** Population std per dimension; 1 where the dimension was constant. */
  readonly std: Float32Array;
  /** How many dimensions were constant on the fitting rows. */
  readonly constantDims: number;
}

/** Dimensions whose std falls below this are treated as constant. */
export const CONSTANT_STD_EPSILON = 1e-8;

/**
 * Fit on the rows of `data` ([rows, dim], row-major) whose indices are listed in `rowIndices`
 * (all rows when omitted). Accumulates in float64 so large collections stay accurate.
 */
export function fitStandardizer(data: Float32Array, dim: number, rowIndices?: ArrayLike<number>): Standardizer {
  if (dim <= 0 || data.length % dim !== 0) throw new RangeError(`invalid dim: ${dim} for ${data.length} values`);
  const rows = data.length / dim;
  const count = rowIndices ? rowIndices.length : rows;
  if (count === 0) throw new RangeError('cannot fit a standardizer on zero rows');
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    const row = rowIndices ? rowIndices[r]! : r;
    const base = row * dim;
    for (let d = 0; d < dim; d++) sum[d]! += data[base + d]!;
  }
  const mean = new Float32Array(dim);
  for (let d = 0; d < dim; d++) mean[d] = sum[d]! / count;
  // Second pass on centred values: numerically safer than E[x^2] - E[x]^2.
  for (let r = 0; r < count; r++) {
    const row = rowIndices ? rowIndices[r]! : r;
    const base = row * dim;
    for (let d = 0; d < dim; d++) {
      const c = data[base + d]! - sum[d]! / count;
      sumSq[d]! += c * c;
    }
  }
  const std = new Float32Array(dim);
  let constantDims = 0;
  for (let d = 0; d < dim; d++) {
    const s = Math.sqrt(sumSq[d]! / count);
    if (s < CONSTANT_STD_EPSILON) {
      std[d] = 1;
      constantDims++;
    } else {
      std[d] = s;
    }
  }
  return { dim, mean, std, constantDims };
}

/** (x - mean) / std for every row; returns a new array. */
export function applyStandardizer(s: Standardizer, data: Float32Array): Float32Array {
  if (data.length % s.dim !== 0) throw new RangeError(`invalid data length: ${data.length} is not a multiple of ${s.dim}`);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += s.dim) {
    for (let d = 0; d < s.dim; d++) out[i + d] = (data[i + d]! - s.mean[d]!) / s.std[d]!;
  }
  return out;
}
