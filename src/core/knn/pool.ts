/**
 * Mean pooling over tokens (docs/method.md, KNOR step 1): v_i = mean over t of V_i[t].
 * Sums are accumulated in float64 and divided once, then stored as float32.
 */

function checkShape(tokens: Float32Array, images: number, tokenCount: number, dim: number): void {
  for (const [name, v] of [
    ['images', images],
    ['tokenCount', tokenCount],
    ['dim', dim],
  ] as const) {
    if (!Number.isInteger(v) || v < (name === 'images' ? 0 : 1))
      throw new RangeError(`invalid ${name}: ${v} (expected a ${name === 'images' ? 'non-negative' : 'positive'} integer)`);
  }
  if (tokens.length !== images * tokenCount * dim) {
    throw new RangeError(`invalid tokens: expected ${images * tokenCount * dim} values ([${images}, ${tokenCount}, ${dim}]), got ${tokens.length}`);
  }
}

/**
 * One image: `tokens` is [tokenCount, dim]; writes the [dim] mean into `out` at `outOffset`
 * (a row of a preallocated [N, dim] buffer) and returns `out`. Without `out`, allocates [dim].
 */
export function meanPoolImage(tokens: Float32Array, tokenCount: number, dim: number, out: Float32Array = new Float32Array(dim), outOffset = 0): Float32Array {
  checkShape(tokens, 1, tokenCount, dim);
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + dim > out.length) {
    throw new RangeError(`invalid outOffset: ${outOffset} (expected 0..${out.length - dim} for ${dim} values in an output of ${out.length})`);
  }
  poolInto(tokens, 0, tokenCount, dim, out, outOffset, new Float64Array(dim));
  return out;
}

/** [images, tokenCount, dim] -> [images, dim]. */
export function meanPool(tokens: Float32Array, images: number, tokenCount: number, dim: number): Float32Array {
  checkShape(tokens, images, tokenCount, dim);
  const out = new Float32Array(images * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < images; i++) poolInto(tokens, i * tokenCount * dim, tokenCount, dim, out, i * dim, acc);
  return out;
}

function poolInto(tokens: Float32Array, start: number, tokenCount: number, dim: number, out: Float32Array, outOffset: number, acc: Float64Array): void {
  acc.fill(0);
  for (let t = 0; t < tokenCount; t++) {
    const base = start + t * dim;
    for (let d = 0; d < dim; d++) acc[d]! += tokens[base + d]!;
  }
  for (let d = 0; d < dim; d++) out[outOffset + d] = acc[d]! / tokenCount;
}

/** Index of the first NaN or ±Infinity, or -1: such an image is flagged and left out of the analysis. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
