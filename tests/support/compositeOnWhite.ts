/**
 * An RGBA image composited onto opaque white with Pillow's integer arithmetic
 * (Image.alpha_composite, libImaging/AlphaComposite.c: 7 extra bits of precision, divisions by
 * 255 rounded by shifts), which is what transformers 5.25's convert_to_rgb does with
 * transparency. The app drops alpha instead (PIL convert('RGB'), as transformers 5.18 does);
 * the live parity test feeds the app this image to show that compositing is the only difference.
 */
import type { RgbaImage } from '../../src/core/image/processors/encoderInputs.ts';

const PRECISION_BITS = 7;
const shiftForDiv255 = (a: number) => (((a >>> 8) + a) >>> 8) >>> 0;

export function compositeOnWhite(image: RgbaImage): RgbaImage {
  const out = new Uint8Array(image.rgba.length);
  for (let i = 0; i < image.rgba.length; i += 4) {
    const a = image.rgba[i + 3]!;
    if (a === 0) {
      out.set([255, 255, 255, 255], i);
      continue;
    }
    // dst = white, alpha 255: blend = 255 (255 - a), outa255 = 255 * 255.
    const outa255 = a * 255 + 255 * (255 - a);
    const coef1 = Math.floor((a * 255 * 255 * (1 << PRECISION_BITS)) / outa255);
    const coef2 = 255 * (1 << PRECISION_BITS) - coef1;
    for (let c = 0; c < 3; c++) out[i + c] = shiftForDiv255(image.rgba[i + c]! * coef1 + 255 * coef2 + (0x80 << PRECISION_BITS)) >>> PRECISION_BITS;
    out[i + 3] = 255;
  }
  return { width: image.width, height: image.height, rgba: out };
}
