/**
 * The CLI's decoder against Chromium's (fixtures/chromium-decode.json, written by
 * chromiumDecodeFixture.ts: the RGBA bytes the app's decodeImage path gives in Chromium 156):
 * PNGs of every depth and colour type equal Chromium byte for byte; JPEGs come upright by their
 * EXIF orientation and within a few levels (another JPEG decoder). Refusals use the app's words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { canvasRoundTrip, pngSamplesTo8Bit } from '../../cli/canvasPixels.ts';
import { decodeImageFile } from '../../cli/decodeImage.ts';
import { applyOrientation, jpegOrientation } from '../../cli/exifOrientation.ts';
import { pngChunk } from '../../scripts/imageset/encodePng.ts';
import { encodePngSamples, undecodablePng } from '../e2e/png.ts';

interface FixtureFile {
  readonly bytes: string;
  readonly chromium: { readonly width: number; readonly height: number; readonly rgba: string };
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/chromium-decode.json'), 'utf8')) as { files: Record<string, FixtureFile> };
const bytesOf = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const entries = Object.entries(fixture.files);

describe('decodeImageFile matches Chromium', () => {
  it.each(entries.filter(([name]) => name.endsWith('.png')))('%s: byte for byte', (name, file) => {
    const { image, format } = decodeImageFile(bytesOf(file.bytes), name);
    expect(format).toBe('png');
    expect([image.width, image.height]).toEqual([file.chromium.width, file.chromium.height]);
    expect(Buffer.compare(Buffer.from(image.rgba), Buffer.from(file.chromium.rgba, 'base64'))).toBe(0);
  });

  it.each(entries.filter(([name]) => name.endsWith('.jpg')))('%s: upright, within a few levels', (name, file) => {
    const { image, format } = decodeImageFile(bytesOf(file.bytes), name);
    expect(format).toBe('jpeg');
    expect([image.width, image.height]).toEqual([file.chromium.width, file.chromium.height]);
    const chromium = bytesOf(file.chromium.rgba);
    let worst = 0;
    for (let i = 0; i < chromium.length; i++) worst = Math.max(worst, Math.abs(chromium[i]! - image.rgba[i]!));
    // A wrong turn or mirror would differ by up to 200 levels here (the test image has a gradient per axis).
    expect(worst).toBeLessThanOrEqual(4);
  });
});

describe('pixels', () => {
  it('16-bit samples keep the high byte (as Chromium), low bit depths scale exactly', () => {
    expect(Array.from(pngSamplesTo8Bit(Uint16Array.of(0x80ff, 0x7f80, 0xffff, 0x0100), 16, false))).toEqual([0x80, 0x7f, 0xff, 0x01]);
    expect(Array.from(pngSamplesTo8Bit(Uint8Array.of(0, 5, 15, 15), 4, false))).toEqual([0, 85, 255, 255]);
  });

  it('the canvas round trip: opaque unchanged, transparent to zero, translucent through premultiplied 8 bits', () => {
    expect(Array.from(canvasRoundTrip(Uint8Array.of(10, 20, 30, 255, 10, 20, 30, 0, 22, 5, 200, 6)))).toEqual([10, 20, 30, 255, 0, 0, 0, 0, 42, 0, 212, 6]);
  });

  it('reads the orientation of the first Exif segment and turns 90 degrees clockwise for 6', () => {
    const six = bytesOf(fixture.files['orientation-6.jpg']!.bytes);
    expect(jpegOrientation(six)).toBe(6);
    expect(jpegOrientation(bytesOf(fixture.files['orientation-1.jpg']!.bytes))).toBe(1);
    // 2 x 1 image [A, B] turned clockwise is 1 x 2 [A; B].
    const turned = applyOrientation(Uint8Array.of(1, 1, 1, 1, 2, 2, 2, 2), 2, 1, 6);
    expect([turned.width, turned.height, ...turned.rgba]).toEqual([1, 2, 1, 1, 1, 1, 2, 2, 2, 2]);
  });
});

describe('refusals', () => {
  const good = encodePngSamples(new Array(4 * 4 * 3).fill(100), 4, 4, 2, 8);

  it("uses the app's message for a damaged file", () => {
    expect(() => decodeImageFile(good.subarray(0, good.length - 10), 'a/cut.png')).toThrow(
      'a/cut.png is a truncated PNG (the file ends before its last chunk). Re-export the image and add it again.',
    );
    expect(() => decodeImageFile(new TextEncoder().encode('hello, this is a note about the images\n'), 'note.dat')).toThrow(
      'note.dat is not an image (it contains text).',
    );
    expect(() => decodeImageFile(new Uint8Array(0), 'empty.png')).toThrow('empty.png is empty (0 bytes).');
  });

  it('says when a PNG passes the header checks but does not decode', () => {
    const message = 'bad.png could not be decoded as PNG: the file is damaged or uses a variant this tool does not read. Re-export it as PNG and run again.';
    // pngjs alone would sometimes pass a broken stream's uninitialised memory on as pixels.
    for (let size = 1; size <= 40; size++) expect(() => decodeImageFile(undecodablePng(size, size), 'bad.png')).toThrow(message);
    // Image data that inflates, but to fewer scanlines than the header says.
    const raw = Buffer.alloc(8 * (1 + 8 * 3), 7);
    for (let y = 0; y < 8; y++) raw[y * 25] = 0;
    const ihdr = Buffer.from([0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0]);
    const short = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(raw.subarray(0, 4 * 25))),
      pngChunk('IEND', new Uint8Array(0)),
    ]);
    expect(() => decodeImageFile(short, 'bad.png')).toThrow(message);
    const whole = Buffer.concat([short.subarray(0, 33), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]);
    expect(decodeImageFile(whole, 'good.png').image.rgba.slice(0, 4)).toEqual(Uint8Array.of(7, 7, 7, 255));
  });

  it('refuses formats the app reads but this tool does not, saying what to do', () => {
    const gif = Uint8Array.from([...Buffer.from('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b]);
    expect(() => decodeImageFile(gif, 'anim.gif')).toThrow(
      'anim.gif is a GIF image; the command-line tool reads PNG and JPEG only (the app reads it). Convert it to PNG and run again.',
    );
  });
});
