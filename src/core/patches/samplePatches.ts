/**
 * Patch sampling for training steps on large images: each image of a batch contributes a random
 * sample of its patches, the same positions before and after the connector. Only a token-wise
 * reconstructor may train this way (each patch is reconstructed from its own post token, so a
 * sample of patches is a sample of independent examples, and its mean loss estimates the image's
 * without bias); a token-mixing one needs every post token of the image at once.
 *
 * Why: at LLaVA-1.5 size a batch of four images is 2,304 tokens of 4,096 values, and each layer's
 * activations and gradients for it are 38 MB; the tab's memory (and the step's time) scale with the
 * tokens per step, not with the images. Validation and the per-patch losses still use every patch.
 * Plain TypeScript, no DOM.
 */
import type { Random } from '../random.ts';

/**
 * Patches each image gives a step so that the step's post-connector values stay within `maxValues`;
 * `tokens` (every patch) when they fit already.
 */
export function patchesPerImage(images: number, tokens: number, dPost: number, maxValues: number): number {
  if (images * tokens * dPost <= maxValues) return tokens;
  return Math.max(1, Math.min(tokens, Math.floor(maxValues / (images * dPost))));
}

/** Which patches each image of a step gives: `count` positions an image, ascending, image after image. */
export interface PatchSample {
  readonly count: number;
  /** [images, count]: each image's positions, in ascending order. */
  readonly positions: Int32Array;
}

/**
 * `count` distinct patch positions of each of `images` images: a partial Fisher-Yates shuffle per
 * image, sorted. Drawn apart from the rows, so the reader of the tokens (the tokens worker) can send
 * only the rows a step uses.
 */
export function drawPatches(images: number, tokens: number, count: number, random: Random): PatchSample {
  if (!Number.isInteger(count) || count < 1 || count > tokens) throw new RangeError(`invalid count: ${count} of ${tokens} patches`);
  const positions = new Int32Array(images * count);
  const order = new Int32Array(tokens);
  for (let image = 0; image < images; image++) {
    for (let t = 0; t < tokens; t++) order[t] = t;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (tokens - i));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    positions.set(order.slice(0, count).sort(), image * count);
  }
  return { count, positions };
}

/**
 * The rows of one image's [tokens, dim] matrix at its sampled positions, written into `out` at
 * [image, count, dim]. `row` hands out a row's values (float32, or float16 widened by the caller).
 */
export function gatherPatchRows(
  sample: PatchSample,
  image: number,
  dim: number,
  row: (t: number, out: Float32Array, offset: number) => void,
  out: Float32Array,
): void {
  const { count, positions } = sample;
  for (let i = 0; i < count; i++) row(positions[image * count + i]!, out, (image * count + i) * dim);
}

/** The sampled rows of matrices stacked [images, tokens, d]: pre [images, count, dPre] and post [images, count, dPost]. */
export function gatherSampledRows(
  pre: Float32Array,
  post: Float32Array,
  shape: { readonly images: number; readonly tokens: number; readonly dPre: number; readonly dPost: number },
  sample: PatchSample,
): { readonly pre: Float32Array; readonly post: Float32Array } {
  const { images, tokens, dPre, dPost } = shape;
  if (pre.length !== images * tokens * dPre || post.length !== images * tokens * dPost)
    throw new RangeError(`gatherSampledRows: expected [${images}, ${tokens}, ${dPre}] and [${images}, ${tokens}, ${dPost}] values`);
  const outPre = new Float32Array(images * sample.count * dPre);
  const outPost = new Float32Array(images * sample.count * dPost);
  for (let image = 0; image < images; image++) {
    const rowOf = (all: Float32Array, d: number) => (t: number, out: Float32Array, offset: number) =>
      out.set(all.subarray((image * tokens + t) * d, (image * tokens + t + 1) * d), offset);
    gatherPatchRows(sample, image, dPre, rowOf(pre, dPre), outPre);
    gatherPatchRows(sample, image, dPost, rowOf(post, dPost), outPost);
  }
  return { pre: outPre, post: outPost };
}
