/**
 * Minimal PNG decoder for scripts and test fixtures (Node only): 8-bit, non-interlaced, colour
 * types 0 (grey), 2 (RGB), 3 (palette, with tRNS), 4 (grey + alpha), 6 (RGBA); returns RGBA.
 * Node's zlib does the inflate.
 */
import { inflateSync } from 'node:zlib';

export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** PNG's Paeth predictor (filter type 4); the image-set writer uses it too. */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(bytes: Uint8Array, name = 'image'): Rgba {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x89504e47) throw new Error(`${name}: not a PNG`);
  let width = 0;
  let height = 0;
  let colour = -1;
  let palette: Uint8Array = new Uint8Array(0);
  let transparency: Uint8Array = new Uint8Array(0);
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const depth = data[8]!;
      colour = data[9]!;
      if (depth !== 8 || data[12] !== 0 || CHANNELS[colour] === undefined)
        throw new Error(`${name}: only 8-bit non-interlaced PNGs are read here (depth ${depth}, colour ${colour}, interlace ${data[12]})`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') transparency = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = CHANNELS[colour]!;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels]! : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : Number.NaN;
      if (Number.isNaN(predictor)) throw new Error(`${name}: unknown filter ${filter}`);
      pixels[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    let r: number, g: number, b: number, alpha: number;
    if (colour === 3) {
      const index = pixels[s]!;
      [r, g, b] = [palette[index * 3]!, palette[index * 3 + 1]!, palette[index * 3 + 2]!];
      alpha = index < transparency.length ? transparency[index]! : 255;
    } else if (colour === 0 || colour === 4) {
      r = g = b = pixels[s]!;
      alpha = colour === 4 ? pixels[s + 1]! : 255;
    } else {
      [r, g, b] = [pixels[s]!, pixels[s + 1]!, pixels[s + 2]!];
      alpha = colour === 6 ? pixels[s + 3]! : 255;
    }
    rgba.set([r, g, b, alpha], p * 4);
  }
  return { width, height, rgba };
}
