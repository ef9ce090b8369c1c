/**
 * Manifest-driven preprocessing, in the order HF's CLIP image processor applies it:
 * drop alpha (PIL convert('RGB')), resize with PIL's filters, centre crop, rescale, normalise,
 * NCHW float32. Also returns the exact cropped RGB image the encoder saw, for overlays.
 *
 * Alpha is discarded, not composited: HF's convert_rgb calls PIL's convert('RGB'), which drops
 * the alpha channel and keeps the stored colour of transparent pixels.
 * Checked against transformers' CLIPImageProcessorPil (tests/core/fixtures/hf-preprocess.json,
 * made by scripts/pilFixtures.py): every value within 3e-7 (float32 rounding).
 */
import type { PreprocessSpec } from '../types.ts';
import { resizeImage } from './resample.ts';

export interface Preprocessed {
  /** [1, 3, size, size] normalised. */
  readonly pixels: Float32Array;
  /** size x size RGBA (alpha 255): what the encoder saw, before normalisation. */
  readonly display: Uint8ClampedArray;
}

/** HF get_resize_output_image_size for {shortest_edge: size}: the long side is truncated. */
export function shortestEdgeSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/** HF center_crop offsets: (orig - crop) // 2. */
export function centreCropOffset(length: number, crop: number): number {
  return Math.floor((length - crop) / 2);
}

export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const n = rgba.length / 4;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
  }
  return rgb;
}

/** The size the image is resized to before the crop, [width, height]. */
export function resizedSize(width: number, height: number, spec: PreprocessSpec, size: number): [number, number] {
  return spec.resize === 'shortest-edge' ? shortestEdgeSize(width, height, size) : [size, size];
}

export function preprocess(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, spec: PreprocessSpec, size: number): Preprocessed {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1))
    throw new RangeError(`invalid image size: ${width} x ${height} (expected positive integers)`);
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`invalid size: ${size} (expected a positive integer)`);
  if (rgba.length !== width * height * 4)
    throw new RangeError(`invalid image: expected ${width * height * 4} RGBA bytes for ${width} x ${height}, got ${rgba.length}`);
  const [rw, rh] = resizedSize(width, height, spec, size);
  // Centre crop to size x size (a no-op for 'stretch'); crop 'none' requires the resize to fit already.
  if (spec.crop === 'none' && (rw !== size || rh !== size)) throw new RangeError(`crop 'none' needs a square resize, got ${rw} x ${rh}`);
  const rgb = rgbaToRgb(rgba);
  const resized = rw === width && rh === height ? rgb : resizeImage(rgb, width, height, 3, rw, rh, spec.resample);
  const top = centreCropOffset(rh, size);
  const left = centreCropOffset(rw, size);
  const plane = size * size;
  const pixels = new Float32Array(3 * plane);
  const display = new Uint8ClampedArray(plane * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const src = ((y + top) * rw + (x + left)) * 3;
      const dst = y * size + x;
      for (let c = 0; c < 3; c++) {
        const v = resized[src + c]!;
        display[dst * 4 + c] = v;
        pixels[c * plane + dst] = (v * spec.rescale - spec.mean[c]!) / spec.std[c]!;
      }
      display[dst * 4 + 3] = 255;
    }
  }
  return { pixels, display };
}
