/**
 * An image file to the RGBA pixels the app would embed, in Node. Every file first passes the
 * app's own admission check (core/image/checkImageFile.ts: size, magic bytes, damage, pixel
 * budget), so a bad file gets the app's message. Then:
 *
 * - PNG with pngjs, turned into exactly the bytes a Chromium canvas gives (canvasPixels.ts: 16-bit
 *   to the high byte, palette and grey expanded, alpha through the canvas's premultiplied round
 *   trip). PNG pixels, and so PNG tokens, are the app's bit for bit. Not done: colour management.
 *   The browser converts a PNG with an ICC profile (iCCP) or gamma/chromaticity chunks to sRGB;
 *   such a file gets a notice here.
 * - JPEG with jpeg-js, turned upright by its EXIF orientation as createImageBitmap's
 *   imageOrientation 'from-image' does (exifOrientation.ts). JPEG decoders differ in the last bit
 *   of the IDCT and chroma upsampling (jpeg-js vs the browser's libjpeg-turbo: a few levels on a
 *   few pixels), so JPEG tokens can differ slightly from the app's, and KNOR with them at ties.
 *
 * GIF, WebP and BMP, which the browser app reads, are refused with a message: convert them.
 */
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UserFacingError } from '../src/core/errors.ts';
import { checkImageFile, MAX_DECODE_PIXELS, tooLargeMessage } from '../src/core/image/checkImageFile.ts';
import type { RgbaImage } from '../src/core/image/processors/encoderInputs.ts';
import { canvasRoundTrip, pngSamplesTo8Bit } from './canvasPixels.ts';
import { applyOrientation, jpegOrientation } from './exifOrientation.ts';

export interface DecodedFile {
  readonly image: RgbaImage;
  readonly format: 'png' | 'jpeg';
  /** Accepted with a caveat (the app's notices, and this decoder's own). */
  readonly notices: readonly string[];
}

const FORMAT_NAME = { gif: 'GIF', webp: 'WebP', bmp: 'BMP' } as const;

function undecodable(name: string, format: string, cause: unknown): UserFacingError {
  return new UserFacingError(
    `${name} could not be decoded as ${format}: the file is damaged or uses a variant this tool does not read. Re-export it as PNG and run again.`,
    { cause },
  );
}

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Chunks that make the browser convert a PNG's colours (an sRGB chunk means it already is sRGB). */
function colourManaged(b: Uint8Array): string | null {
  let o = 8;
  const found: string[] = [];
  while (o + 12 <= b.length) {
    const length = u32(b, o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'sRGB') return null;
    if (type === 'iCCP') found.push('an ICC colour profile');
    if (type === 'gAMA' && length === 4) {
      const gamma = u32(b, o + 8);
      if (gamma !== 45455) found.push(`gamma ${(100000 / gamma).toFixed(2)}`);
    }
    if (type === 'cHRM') found.push('chromaticities');
    o += 12 + length;
  }
  return found.length > 0 ? found.join(' and ') : null;
}

/** Bytes of filtered scanlines a PNG's header asks for (each Adam7 pass counted when interlaced). */
function scanlineBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  const passes: [number, number, number, number][] = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return passes.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/**
 * The image data must inflate, and to at least what the header asks for. pngjs does not check
 * this itself: its synchronous inflate can hand a broken stream's uninitialised buffer on as
 * pixels, where the browser refuses the file.
 */
function checkPngData(b: Uint8Array, name: string): void {
  const idat: Uint8Array[] = [];
  let o = 8;
  while (o + 12 <= b.length) {
    const length = u32(b, o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (type === 'IDAT') idat.push(b.subarray(o + 8, o + 8 + length));
    if (type === 'IEND') break;
    o += 12 + length;
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(Buffer.concat(idat));
  } catch (error) {
    throw undecodable(name, 'PNG', error);
  }
  const [width, height, depth, colour, interlace] = [u32(b, 16), u32(b, 20), b[24]!, b[25]!, b[28]!];
  const channels = CHANNELS[colour];
  if (channels === undefined) throw undecodable(name, 'PNG', new Error(`colour type ${colour}`));
  const needed = scanlineBytes(width, height, channels * depth, interlace === 1);
  if (inflated.length < needed) throw undecodable(name, 'PNG', new Error(`image data inflates to ${inflated.length} bytes, the header needs ${needed}`));
}

function decodePng(bytes: Uint8Array, name: string): { image: RgbaImage; notices: string[] } {
  checkPngData(bytes, name);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (error) {
    throw undecodable(name, 'PNG', error);
  }
  const { width, height, depth, palette } = png;
  if (width * height > MAX_DECODE_PIXELS) throw new UserFacingError(tooLargeMessage(name, width, height));
  const rgba = canvasRoundTrip(pngSamplesTo8Bit(png.data as ArrayLike<number>, depth, palette));
  const managed = colourManaged(bytes);
  const notices = managed
    ? [`${name} carries ${managed}; the app's browser converts its colours to sRGB and this tool does not, so its tokens may differ slightly from the app's.`]
    : [];
  return { image: { width, height, rgba }, notices };
}

function decodeJpeg(bytes: Uint8Array, name: string): RgbaImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_DECODE_PIXELS / 1e6, maxMemoryUsageInMB: 2048 });
  } catch (error) {
    throw undecodable(name, 'JPEG', error);
  }
  if (decoded.width * decoded.height > MAX_DECODE_PIXELS) throw new UserFacingError(tooLargeMessage(name, decoded.width, decoded.height));
  // Opaque: the canvas round trip changes nothing.
  return applyOrientation(decoded.data, decoded.width, decoded.height, jpegOrientation(bytes));
}

/** Throws a UserFacingError (the app's words where the app has them) for a file that is not a readable PNG or JPEG. */
export function decodeImageFile(bytes: Uint8Array, name: string): DecodedFile {
  const check = checkImageFile(bytes, name);
  if (!check.ok) throw new UserFacingError(check.message);
  const notices = check.notice === null ? [] : [check.notice];
  switch (check.format) {
    case 'png': {
      const { image, notices: own } = decodePng(bytes, name);
      return { image, format: 'png', notices: [...notices, ...own] };
    }
    case 'jpeg':
      return { image: decodeJpeg(bytes, name), format: 'jpeg', notices };
    default:
      throw new UserFacingError(
        `${name} is a ${FORMAT_NAME[check.format]} image; the command-line tool reads PNG and JPEG only (the app reads it). Convert it to PNG and run again.`,
      );
  }
}
