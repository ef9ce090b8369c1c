/**
 * The admission check for a dropped file, before anything is decoded: size, format by magic
 * bytes, damage, and the pixel budget. Returns the message the user sees when it refuses, and a
 * notice when it accepts with a caveat (an animated GIF is analysed by its first frame).
 */
import { formatBytes } from '../formatBytes.ts';
import { sniffImage, type ImageFormat } from './sniff.ts';

export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Decoding 64 MP as RGBA takes 256 MB; larger images are refused before decoding. */
export const MAX_DECODE_PIXELS = 64_000_000;

/** Beyond this aspect ratio a shortest-edge resize explodes the long side. */
export const MAX_ASPECT = 50;

export type ImageCheck =
  | { readonly ok: true; readonly format: ImageFormat; readonly width: number | null; readonly height: number | null; readonly notice: string | null }
  | { readonly ok: false; readonly message: string };

export function tooLargeMessage(name: string, width: number, height: number): string {
  return `${name} is ${width} x ${height} pixels, over the ${MAX_DECODE_PIXELS / 1e6} MP limit. Downscale it and add it again.`;
}

export function fileTooBigMessage(name: string, bytes: number): string {
  return `${name} is ${(bytes / 1e6).toFixed(0)} MB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit. Downscale or re-compress it.`;
}

/** Browsers and PIL convert CMYK to RGB differently (ICC profile vs. a plain inversion). */
export function cmykNotice(name: string): string {
  return `${name} is a CMYK JPEG; the browser converted it to RGB, so its colours may differ slightly from what Python's PIL would give.`;
}

/** Motion photos append a video after the JPEG; only the photo is analysed. */
export function trailingBytesNotice(name: string, bytes: number): string {
  return `${name} carries ${formatBytes(bytes)} after its image data (a motion photo's video, or a camera's extra data); only the photo is analysed.`;
}

export function checkImageFile(bytes: Uint8Array, name: string): ImageCheck {
  if (bytes.length > MAX_FILE_BYTES) return { ok: false, message: fileTooBigMessage(name, bytes.length) };
  const sniffed = sniffImage(bytes, name);
  if (!sniffed.ok) return { ok: false, message: sniffed.error.message };
  const { width, height, frames } = sniffed;
  if (width !== undefined && height !== undefined && width * height > MAX_DECODE_PIXELS) return { ok: false, message: tooLargeMessage(name, width, height) };
  if (width === 0 || height === 0) return { ok: false, message: `${name} says it is ${width} x ${height} pixels: an empty image. Re-export it.` };
  if (width && height && Math.max(width / height, height / width) > MAX_ASPECT) {
    return {
      ok: false,
      message: `${name} is ${width} x ${height} pixels, more than ${MAX_ASPECT}:1; resizing its short side to the encoder's input would make it enormous. Crop it and add it again.`,
    };
  }
  const notices = [
    frames !== undefined && frames > 1 ? `${name} is animated (${frames} frames); only its first frame is analysed.` : null,
    sniffed.components === 4 ? cmykNotice(name) : null,
    sniffed.trailingBytes ? trailingBytesNotice(name, sniffed.trailingBytes) : null,
  ].filter((n): n is string => n !== null);
  const notice = notices.length > 0 ? notices.join(' ') : null;
  return { ok: true, format: sniffed.format, width: width ?? null, height: height ?? null, notice };
}
