/**
 * Qwen2-VL's smart_resize (transformers qwen2_vl image processor): the size an image is resized to
 * so both sides are multiples of `factor` (patch_size * merge_size) and the pixel count lies in
 * [minPixels, maxPixels], aspect kept as closely as possible. Python semantics are reproduced:
 * round() rounds halves to even (round(2.5) = 2), so 70 / 28 = 2.5 gives 56, not 84.
 */
import { UserFacingError } from '../../errors.ts';

/** Python 3's round(x) for a float: nearest integer, halves to the even neighbour. */
export function pythonRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The largest aspect ratio smart_resize accepts; past it transformers raises ValueError. */
export const MAX_ASPECT_RATIO = 200;

/** [height, width] after smart_resize; throws a UserFacingError for a too long and thin image. */
export function smartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  const aspect = Math.max(height, width) / Math.min(height, width);
  if (aspect > MAX_ASPECT_RATIO) {
    throw new UserFacingError(
      `The image is ${width} x ${height}: Qwen2-VL's processor refuses aspect ratios above ${MAX_ASPECT_RATIO} (this one is ${aspect.toFixed(1)}). Crop it, or use a fixed input size.`,
    );
  }
  let hBar = pythonRound(height / factor) * factor;
  let wBar = pythonRound(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return [hBar, wBar];
}
