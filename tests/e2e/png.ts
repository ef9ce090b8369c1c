/** Minimal PNG writer for test fixtures (no filtering): Node's zlib does the deflate. */
import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from '../../scripts/imageset/encodePng.ts';

/** PNG colour types: 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA. */
export type PngColour = 0 | 2 | 4 | 6;
const CHANNELS: Record<PngColour, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** `samples` holds width * height * channels values, each 0..255 (8-bit) or 0..65535 (16-bit). */
export function encodePngSamples(samples: ArrayLike<number>, width: number, height: number, colour: PngColour, bitDepth: 8 | 16): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colour;
  const bytesPerSample = bitDepth / 8;
  const stride = width * CHANNELS[colour] * bytesPerSample;
  const raw = Buffer.alloc(height * (1 + stride));
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * CHANNELS[colour]; i++) {
      const v = samples[y * width * CHANNELS[colour] + i]!;
      const at = y * (1 + stride) + 1 + i * bytesPerSample;
      if (bitDepth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** 8-bit RGBA. */
export function encodePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Buffer {
  return encodePngSamples(rgba, width, height, 6, 8);
}

/**
 * A PNG whose chunks are intact (right lengths and CRCs) but whose IDAT is not deflate data:
 * it passes every header check and fails only when the browser decodes it.
 */
export function undecodablePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const garbage = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', garbage),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A flat colour, 8-bit RGBA. */
export function flatPng(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  return encodePng(rgba, width, height);
}
