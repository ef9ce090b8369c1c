/**
 * The k a person types, read with reasons: the field explains a refusal instead of silently
 * snapping back, and says when a k makes KNOR meaningless for this collection (every other
 * image is a neighbour, so every neighbour is kept: KNOR is 1 by construction).
 */

export const K_MIN = 1;
export const K_MAX = 100;

export type KChoice = { readonly ok: true; readonly k: number } | { readonly ok: false; readonly why: string };

export function readK(text: string): KChoice {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, why: `Type k, a whole number from ${K_MIN} to ${K_MAX}.` };
  const value = Number(trimmed);
  if (!Number.isInteger(value)) return { ok: false, why: `k counts neighbours, so it is a whole number (${K_MIN} to ${K_MAX}), not ${trimmed}.` };
  if (value < K_MIN) return { ok: false, why: `k is at least ${K_MIN}: each image needs one neighbour or more to compare.` };
  if (value > K_MAX) return { ok: false, why: `k is at most ${K_MAX} here: the neighbour tables keep that many per image.` };
  return { ok: true, k: value };
}

/**
 * Why KNOR at this k says nothing for `images` images, or null when it does: with self excluded
 * each image has images - 1 others, so k >= images - 1 keeps every neighbour on both sides.
 */
export function trivialKWarning(k: number, images: number, includeSelf: boolean): string | null {
  const candidates = includeSelf ? images : images - 1;
  if (images < 2 || k < candidates) return null;
  return `k = ${k} with ${images} images: every ${includeSelf ? 'image (itself included)' : 'other image'} is a neighbour before and after the connector, so KNOR is 1 by construction. Choose k below ${candidates}.`;
}
