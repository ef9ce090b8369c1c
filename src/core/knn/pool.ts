/** Mean pooling over tokens (METHOD.md, KNOR step 1): [images, tokens, dim] -> [images, dim]. */
export function meanPool(tokens: Float32Array, images: number, tokenCount: number, dim: number): Float32Array {
  if (tokens.length !== images * tokenCount * dim) {
    throw new RangeError(`invalid tokens: expected ${images * tokenCount * dim} values ([${images}, ${tokenCount}, ${dim}]), got ${tokens.length}`);
  }
  const out = new Float32Array(images * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < images; i++) {
    acc.fill(0);
    for (let t = 0; t < tokenCount; t++) {
      const base = (i * tokenCount + t) * dim;
      for (let d = 0; d < dim; d++) acc[d]! += tokens[base + d]!;
    }
    for (let d = 0; d < dim; d++) out[i * dim + d] = acc[d]! / tokenCount;
  }
  return out;
}

/** Index of the first NaN or ±Infinity, or -1: such an image is flagged and left out of the analysis. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
