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
  const sums = standardizerSums(dim);
  addRows(sums, data, rowIndices);
  addCentredRows(sums, data, rowIndices);
  return finishStandardizer(sums);
}

/**
 * A fit in progress, for rows that arrive in chunks (the trainer streams them): every chunk goes
 * through addRows, then every chunk again, in the same order, through addCentredRows. Same
 * arithmetic in the same order as fitStandardizer, so the same standardiser to the last bit.
 */
export interface StandardizerSums {
  readonly dim: number;
  rows: number;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  centredRows: number;
}

export function standardizerSums(dim: number): StandardizerSums {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`invalid dim: ${dim}`);
  return { dim, rows: 0, sum: new Float64Array(dim), sumSq: new Float64Array(dim), centredRows: 0 };
}

function rowsOf(s: StandardizerSums, data: Float32Array, rowIndices?: ArrayLike<number>): ArrayLike<number> | number {
  if (data.length % s.dim !== 0) throw new RangeError(`invalid data length: ${data.length} is not a multiple of ${s.dim}`);
  return rowIndices ?? data.length / s.dim;
}

/** First pass: add these rows (all of `data`, or the listed ones) to the sums. */
export function addRows(s: StandardizerSums, data: Float32Array, rowIndices?: ArrayLike<number>): void {
  if (s.centredRows > 0) throw new Error('addRows after addCentredRows: every row goes through the first pass before any through the second');
  const rows = rowsOf(s, data, rowIndices);
  const count = typeof rows === 'number' ? rows : rows.length;
  const { dim, sum } = s;
  for (let r = 0; r < count; r++) {
    const base = (typeof rows === 'number' ? r : rows[r]!) * dim;
    for (let d = 0; d < dim; d++) sum[d]! += data[base + d]!;
  }
  s.rows += count;
}

/** Second pass: the same rows again, centred on the first pass's mean (numerically safer than E[x^2] - E[x]^2). */
export function addCentredRows(s: StandardizerSums, data: Float32Array, rowIndices?: ArrayLike<number>): void {
  const rows = rowsOf(s, data, rowIndices);
  const count = typeof rows === 'number' ? rows : rows.length;
  const { dim, sum, sumSq } = s;
  for (let r = 0; r < count; r++) {
    const base = (typeof rows === 'number' ? r : rows[r]!) * dim;
    for (let d = 0; d < dim; d++) {
      const c = data[base + d]! - sum[d]! / s.rows;
      sumSq[d]! += c * c;
    }
  }
  s.centredRows += count;
}

export function finishStandardizer(s: StandardizerSums): Standardizer {
  if (s.rows === 0) throw new RangeError('cannot fit a standardizer on zero rows');
  if (s.centredRows !== s.rows) throw new Error(`the second pass saw ${s.centredRows} rows, the first ${s.rows}`);
  const { dim, rows: count, sum, sumSq } = s;
  const mean = new Float32Array(dim);
  for (let d = 0; d < dim; d++) mean[d] = sum[d]! / count;
  const std = new Float32Array(dim);
  let constantDims = 0;
  for (let d = 0; d < dim; d++) {
    const sd = Math.sqrt(sumSq[d]! / count);
    if (sd < CONSTANT_STD_EPSILON) {
      std[d] = 1;
      constantDims++;
    } else {
      std[d] = sd;
    }
  }
  return { dim, mean, std, constantDims };
}

/** (x - mean) / std for every row; returns a new array. */
export function applyStandardizer(s: Standardizer, data: Float32Array, out: Float32Array = new Float32Array(data.length)): Float32Array {
  if (data.length % s.dim !== 0) throw new RangeError(`invalid data length: ${data.length} is not a multiple of ${s.dim}`);
  if (out.length !== data.length) throw new RangeError(`invalid out length: ${out.length} for ${data.length} values`);
  for (let i = 0; i < data.length; i += s.dim) {
    for (let d = 0; d < s.dim; d++) out[i + d] = (data[i + d]! - s.mean[d]!) / s.std[d]!;
  }
  return out;
}
