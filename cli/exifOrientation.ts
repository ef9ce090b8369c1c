/**
 * EXIF orientation, applied as the browser's createImageBitmap(..., { imageOrientation:
 * 'from-image' }) does: the tag (0x0112) of IFD0 in the first Exif APP1 segment of a JPEG, the
 * eight cases of the TIFF specification, anything else read as 1 (upright). Chromium agrees with
 * this on all eight (checked with tests/cli/fixtures/chromium-decode.json).
 */

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const u16 = (b: Uint8Array, o: number, le: boolean) => (le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!);
const u32 = (b: Uint8Array, o: number, le: boolean) =>
  le ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0 : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** The orientation tag of a TIFF structure (an Exif payload after "Exif\0\0"), or 1. */
function tiffOrientation(t: Uint8Array): Orientation {
  if (t.length < 8) return 1;
  const order = String.fromCharCode(t[0]!, t[1]!);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  if (u16(t, 2, le) !== 42) return 1;
  const ifd = u32(t, 4, le);
  if (ifd + 2 > t.length) return 1;
  const count = u16(t, ifd, le);
  for (let e = 0; e < count; e++) {
    const at = ifd + 2 + 12 * e;
    if (at + 12 > t.length) return 1;
    if (u16(t, at, le) !== 0x0112) continue;
    // SHORT, one value, stored in the first two bytes of the value field.
    if (u16(t, at + 2, le) !== 3) return 1;
    const v = u16(t, at + 8, le);
    return v >= 1 && v <= 8 ? (v as Orientation) : 1;
  }
  return 1;
}

/** The orientation a JPEG asks for, from its first Exif APP1 segment before the image data; 1 when it has none. */
export function jpegOrientation(b: Uint8Array): Orientation {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) return 1;
    const marker = b[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    // Start of scan or end of image: no orientation before the pixels.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = u16(b, o + 2, false);
    if (length < 2 || o + 2 + length > b.length) return 1;
    if (marker === 0xe1 && length >= 8 && String.fromCharCode(...b.subarray(o + 4, o + 10)) === 'Exif\0\0') {
      return tiffOrientation(b.subarray(o + 10, o + 2 + length));
    }
    o += 2 + length;
  }
  return 1;
}

/** RGBA pixels turned upright: orientations 5 to 8 swap width and height. */
export function applyOrientation(
  rgba: Uint8Array,
  width: number,
  height: number,
  orientation: Orientation,
): { rgba: Uint8Array; width: number; height: number } {
  if (orientation === 1) return { rgba, width, height };
  const swap = orientation >= 5;
  const ow = swap ? height : width;
  const oh = swap ? width : height;
  const out = new Uint8Array(rgba.length);
  const src = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  const dst = new Uint32Array(out.buffer);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: // mirrored left-right
          [sx, sy] = [width - 1 - ox, oy];
          break;
        case 3: // rotated 180
          [sx, sy] = [width - 1 - ox, height - 1 - oy];
          break;
        case 4: // mirrored top-bottom
          [sx, sy] = [ox, height - 1 - oy];
          break;
        case 5: // transposed
          [sx, sy] = [oy, ox];
          break;
        case 6: // to be rotated 90 clockwise
          [sx, sy] = [oy, height - 1 - ox];
          break;
        case 7: // transversed
          [sx, sy] = [width - 1 - oy, height - 1 - ox];
          break;
        case 8: // to be rotated 90 counter-clockwise
          [sx, sy] = [width - 1 - oy, ox];
          break;
      }
      dst[oy * ow + ox] = src[sy * width + sx]!;
    }
  }
  return { rgba: out, width: ow, height: oh };
}
