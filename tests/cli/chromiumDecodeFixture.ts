/**
 * Writes tests/cli/fixtures/chromium-decode.json: small PNGs and JPEGs of every kind the CLI
 * decodes, and the RGBA bytes Chromium's canvas gives for each (the app's decodeImage path:
 * createImageBitmap with imageOrientation 'from-image', drawImage, getImageData). The CLI's
 * decoder is tested against it without a browser (decodeImage.test.ts).
 *
 *   npx tsx tests/cli/chromiumDecodeFixture.ts     (needs Chromium: CHROMIUM_PATH or /usr/bin/chromium)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { chromium } from 'playwright-core';
import { pngChunk } from '../../scripts/imageset/encodePng.ts';
import { encodePngSamples } from '../e2e/png.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = resolve(import.meta.dirname, 'fixtures/chromium-decode.json');
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A seeded LCG: the fixture's inputs are the same on every run. */
function samples(count: number, max: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % (max + 1);
  });
}

function ihdr(width: number, height: number, depth: number, colour: number): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = depth;
  h[9] = colour;
  return h;
}

/** A paletted PNG (4-bit indices) whose palette entries carry alpha (tRNS). */
function palettePng(width: number, height: number): Buffer {
  const plte = Buffer.from(samples(16 * 3, 255, 7));
  const trns = Buffer.from(samples(16, 255, 8));
  const indices = samples(width * height, 15, 9);
  const stride = Math.ceil(width / 2);
  const raw = Buffer.alloc(height * (1 + stride));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (1 + stride) + 1 + (x >> 1)]! |= indices[y * width + x]! << (x % 2 === 0 ? 4 : 0);
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, 4, 3)),
    pngChunk('PLTE', plte),
    pngChunk('tRNS', trns),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** 2-bit grey with a tRNS colour key (grey level 1 is transparent). */
function grey2Png(width: number, height: number): Buffer {
  const levels = samples(width * height, 3, 10);
  const stride = Math.ceil(width / 4);
  const raw = Buffer.alloc(height * (1 + stride));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (1 + stride) + 1 + (x >> 2)]! |= levels[y * width + x]! << (6 - 2 * (x % 4));
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, 2, 0)),
    pngChunk('tRNS', Buffer.from([0, 1])),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** An APP1 Exif segment whose IFD0 holds only the orientation tag (big-endian TIFF). */
function exifSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'ascii');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A 24 x 16 JPEG with a distinct gradient per axis, so any wrong turn shows. */
function baseJpeg(): Buffer {
  const width = 24;
  const height = 16;
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set([x * 10, y * 15, (x * y) % 256, 255], (y * width + x) * 4);
  }
  return jpeg.encode({ data: rgba, width, height }, 95).data;
}

function inputs(): Record<string, Buffer> {
  const w = 16;
  const h = 12;
  const files: Record<string, Buffer> = {
    'rgb16.png': encodePngSamples(samples(w * h * 3, 65535, 1), w, h, 2, 16),
    'grey-alpha16.png': encodePngSamples(samples(w * h * 2, 65535, 2), w, h, 4, 16),
    'rgba16.png': encodePngSamples(samples(w * h * 4, 65535, 3), w, h, 6, 16),
    'rgba8.png': encodePngSamples(samples(w * h * 4, 255, 4), w, h, 6, 8),
    'grey-alpha8.png': encodePngSamples(samples(w * h * 2, 255, 5), w, h, 4, 8),
    'grey8.png': encodePngSamples(samples(w * h, 255, 6), w, h, 0, 8),
    'palette4-trns.png': palettePng(w, h),
    'grey2-trns.png': grey2Png(w, h),
  };
  const jpg = baseJpeg();
  for (let o = 1; o <= 8; o++) files[`orientation-${o}.jpg`] = Buffer.concat([jpg.subarray(0, 2), exifSegment(o), jpg.subarray(2)]);
  return files;
}

async function main(): Promise<void> {
  const files = inputs();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox'] });
  const page = await browser.newPage();
  const decoded: Record<string, { width: number; height: number; rgba: string }> = {};
  try {
    for (const [name, bytes] of Object.entries(files)) {
      const r = await page.evaluate(async (b64: string) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([data]), { imageOrientation: 'from-image', colorSpaceConversion: 'default' });
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(bitmap, 0, 0);
        const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
        let s = '';
        for (const v of rgba) s += String.fromCharCode(v);
        return { width: bitmap.width, height: bitmap.height, rgba: btoa(s) };
      }, bytes.toString('base64'));
      decoded[name] = r;
    }
  } finally {
    await browser.close();
  }
  const version = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const fixture = {
    about:
      'Inputs and the RGBA bytes Chromium gives for them (createImageBitmap from-image, drawImage, getImageData). Written by tests/cli/chromiumDecodeFixture.ts.',
    chromium: version,
    files: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, { bytes: bytes.toString('base64'), chromium: decoded[name]! }])),
  };
  writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`wrote ${OUT} (${Object.keys(files).length} images, ${version})`);
}

await main();
