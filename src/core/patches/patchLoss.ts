/**
 * Patch loss (docs/method.md, reconstruction step 3): L(i, t) = mean over the d_v dimensions of
 * (f(P_i)[t] - V_i[t])^2, in standardised units. Image loss = mean over t.
 */
export interface PatchLosses {
  readonly images: number;
  readonly tokens: number;
  /** [images, tokens] row-major. */
  readonly perPatch: Float32Array;
  /** [images]. */
  readonly perImage: Float32Array;
}

/** `predicted` and `target` are [images, tokens, dim] row-major, both standardised. */
export function patchLosses(predicted: Float32Array, target: Float32Array, images: number, tokens: number, dim: number): PatchLosses {
  const expected = images * tokens * dim;
  if (predicted.length !== expected || target.length !== expected) {
    throw new RangeError(`invalid shapes: expected ${expected} values ([${images}, ${tokens}, ${dim}]), got ${predicted.length} and ${target.length}`);
  }
  const perPatch = new Float32Array(images * tokens);
  const perImage = new Float32Array(images);
  for (let i = 0; i < images; i++) {
    let imageSum = 0;
    for (let t = 0; t < tokens; t++) {
      const base = (i * tokens + t) * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const e = predicted[base + d]! - target[base + d]!;
        s += e * e;
      }
      const l = s / dim;
      perPatch[i * tokens + t] = l;
      imageSum += l;
    }
    perImage[i] = imageSum / tokens;
  }
  return { images, tokens, perPatch, perImage };
}
