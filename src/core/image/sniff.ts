/**
 * Identify an image file by its bytes, not its name, and catch damage the browser's decoder
 * would paper over (Chrome draws a truncated JPEG with a grey bottom instead of failing).
 * Reads header dimensions where cheap so the pixel budget can be checked before decoding.
 */
import { crc32 } from './crc32.ts';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export type SniffError = { readonly kind: 'empty' | 'not-image' | 'truncated' | 'unsupported'; readonly message: string };

export type SniffResult =
  | {
      readonly ok: true;
      readonly format: ImageFormat;
      readonly width?: number;
      readonly height?: number;
      readonly frames?: number;
      /** JPEG colour components from the frame header: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
      readonly components?: number;
      /** JPEG: bytes after the end-of-image marker (a motion photo's video, a trailer), not part of the image. */
      readonly trailingBytes?: number;
    }
  | { readonly ok: false; readonly error: SniffError };

const SUPPORTED = 'Add PNG, JPEG, GIF, WebP or BMP files.';

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const i32le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function fail(kind: SniffError['kind'], message: string): SniffResult {
  return { ok: false, error: { kind, message } };
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
  }
  return printable / n > 0.95;
}

function sniffPng(b: Uint8Array, name: string): SniffResult {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR')
    return fail('truncated', `${name} is a damaged PNG (its header is incomplete). Re-export the image and add it again.`);
  // Walk the chunks: every length must fit, critical chunks must pass their CRC, and the file
  // must end with IEND. (Ancillary chunks with a bad CRC are tolerated, as decoders do.)
  let o = 8;
  // An APNG says its frame count in acTL, before the first IDAT; decoders show the first frame.
  let frames: number | undefined;
  while (o + 12 <= b.length) {
    const length = u32be(b, o);
    const type = ascii(b, o + 4, 4);
    if (o + 12 + length > b.length) break;
    if (type === 'acTL' && length >= 8) frames = u32be(b, o + 8);
    const critical = type.charCodeAt(0) >= 65 && type.charCodeAt(0) <= 90;
    if (critical && crc32(b, o + 4, o + 8 + length) !== u32be(b, o + 8 + length)) {
      return fail('truncated', `${name} is a damaged PNG (its ${type} chunk fails its checksum). Re-export the image and add it again.`);
    }
    if (type === 'IEND') return { ok: true, format: 'png', width: u32be(b, 16), height: u32be(b, 20), ...(frames !== undefined ? { frames } : {}) };
    o += 12 + length;
  }
  return fail('truncated', `${name} is a truncated PNG (the file ends before its last chunk). Re-export the image and add it again.`);
}

function sniffJpeg(b: Uint8Array, name: string): SniffResult {
  const truncated = fail('truncated', `${name} is a truncated JPEG (the file is cut off before its end marker). Re-export or re-download it.`);
  let width: number | undefined;
  let height: number | undefined;
  let components: number | undefined;
  let o = 2;
  // Segments up to start-of-scan; the frame header (SOFn) carries the size.
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) return fail('truncated', `${name} is a damaged JPEG (its header is corrupt). Re-export the image and add it again.`);
    const marker = b[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    const length = u16be(b, o + 2);
    if (length < 2 || o + 2 + length > b.length) return truncated;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && length >= 7) {
      height = u16be(b, o + 5);
      width = u16be(b, o + 7);
      if (length >= 8) components = b[o + 9]!;
    }
    if (marker === 0xda) break;
    o += 2 + length;
  }
  if (width === undefined || height === undefined) return truncated;
  const end = endOfImage(b, o);
  if (end === null) return truncated;
  // Bytes after EOI are not the image's: a motion photo's video, a camera's trailer. Decoders
  // (Chromium, PIL) stop at EOI, and so does the analysis.
  const trailing = b.length - end;
  return { ok: true, format: 'jpeg', width, height, ...(components !== undefined ? { components } : {}), ...(trailing > 0 ? { trailingBytes: trailing } : {}) };
}

/**
 * Where the image data ends: the offset just past EOI (FFD9), walking from the first SOS at `o`.
 * Inside entropy-coded data FF is followed by 00 (a stuffed byte) or a restart marker; any other
 * marker ends the scan, and a progressive JPEG's next segments (DHT, SOS...) are skipped by their
 * lengths until EOI. Null when the file ends first.
 */
function endOfImage(b: Uint8Array, sos: number): number | null {
  let o = sos + 2 + u16be(b, sos + 2);
  while (o + 1 < b.length) {
    if (b[o] !== 0xff) {
      o++;
      continue;
    }
    const marker = b[o + 1]!;
    if (marker === 0x00 || marker === 0xff || (marker >= 0xd0 && marker <= 0xd7)) {
      o += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xd9) return o + 2;
    // A segment between scans: skip it by its length, then read the next scan's data.
    if (o + 4 > b.length) return null;
    const length = u16be(b, o + 2);
    if (length < 2) return null;
    o += 2 + length;
  }
  return null;
}

/** Walk GIF blocks to count frames (image descriptors) and detect truncation. */
function sniffGif(b: Uint8Array, name: string): SniffResult {
  const truncated = fail('truncated', `${name} is a truncated GIF (the file ends before its trailer). Re-export it and add it again.`);
  if (b.length < 13) return truncated;
  const colourTable = (flags: number) => (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const skipSubBlocks = (at: number): number => {
    let o = at;
    while (o < b.length) {
      const size = b[o]!;
      if (size === 0) return o + 1;
      o += size + 1;
    }
    return -1;
  };
  let o = 13 + colourTable(b[10]!);
  let frames = 0;
  while (o < b.length) {
    const block = b[o]!;
    if (block === 0x3b) return { ok: true, format: 'gif', width: u16le(b, 6), height: u16le(b, 8), frames };
    if (block === 0x21) {
      o = skipSubBlocks(o + 2);
    } else if (block === 0x2c) {
      if (o + 10 > b.length) return truncated;
      frames++;
      o = skipSubBlocks(o + 10 + colourTable(b[o + 9]!) + 1);
    } else {
      return fail('truncated', `${name} is a damaged GIF (unexpected block 0x${block.toString(16)}). Re-export it and add it again.`);
    }
    if (o < 0) return truncated;
  }
  return truncated;
}

const u32le = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** RIFF container: its size field says how long the file must be; the first chunk has the size. */
function sniffWebp(b: Uint8Array, name: string): SniffResult {
  const truncated = fail('truncated', `${name} is a truncated WebP (the file is shorter than its header says). Re-export or re-download it.`);
  if (b.length < 8 + u32le(b, 4) || b.length < 20) return truncated;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    if (b.length < 30) return truncated;
    return { ok: true, format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b.length < 25) return truncated;
    const bits = u32le(b, 21);
    return { ok: true, format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    if (b.length < 30) return truncated;
    const width = 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16));
    const height = 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16));
    // Flag 0x02: animated; its frames are ANMF chunks. Decoders show the first.
    const animated = (b[20]! & 0x02) !== 0;
    return { ok: true, format: 'webp', width, height, ...(animated ? { frames: countWebpFrames(b) } : {}) };
  }
  return { ok: true, format: 'webp' };
}

/** ANMF chunks of an animated WebP (at least 1: the flag says it is animated). */
function countWebpFrames(b: Uint8Array): number {
  let frames = 0;
  let o = 12;
  while (o + 8 <= b.length) {
    if (ascii(b, o, 4) === 'ANMF') frames++;
    const size = u32le(b, o + 4);
    o += 8 + size + (size & 1);
  }
  return Math.max(frames, 1);
}

/**
 * BITMAPFILEHEADER: bytes 2..5 are the file size. The info header after it starts with its own
 * size: 12 is the OS/2 BITMAPCOREHEADER (unsigned 16-bit width and height), 40 and up the Windows
 * headers (signed 32-bit; a negative height means rows run top-down).
 */
function sniffBmp(b: Uint8Array, name: string): SniffResult {
  const truncated = fail('truncated', `${name} is a truncated BMP (the file is shorter than its header says). Re-export it and add it again.`);
  if (b.length < 26) return truncated;
  const fileSize = u32le(b, 2);
  if (fileSize > b.length) return truncated;
  if (u32le(b, 14) === 12) return { ok: true, format: 'bmp', width: u16le(b, 18), height: u16le(b, 20) };
  return { ok: true, format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
}

export function sniffImage(bytes: Uint8Array, name = 'this file'): SniffResult {
  const b = bytes;
  if (b.length === 0) return fail('empty', `${name} is empty (0 bytes). ${SUPPORTED}`);
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return sniffPng(b, name);
  if (startsWith(b, [0xff, 0xd8, 0xff])) return sniffJpeg(b, name);
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return sniffGif(b, name);
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return sniffWebp(b, name);
  if (ascii(b, 0, 2) === 'BM' && !looksLikeText(b)) return sniffBmp(b, name);
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    const what = /hei|hev|mif1|msf1/.test(brand) ? 'a HEIC/HEIF image' : /avif/.test(brand) ? 'an AVIF image' : 'a video or ISO media file';
    return fail('unsupported', `${name} is ${what}, which is not supported here. Convert it to JPEG or PNG. ${SUPPORTED}`);
  }
  if (looksLikeText(b)) {
    const svg = /<svg[\s>]/i.test(new TextDecoder().decode(b.subarray(0, 2048)));
    return svg
      ? fail('unsupported', `${name} is an SVG drawing; vector images are not analysed. Export it as PNG. ${SUPPORTED}`)
      : fail('not-image', `${name} is not an image (it contains text). ${SUPPORTED}`);
  }
  return fail('not-image', `${name} is not an image this app can read (unknown format). ${SUPPORTED}`);
}
