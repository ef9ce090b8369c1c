/** File identification by bytes, with the messages a user sees. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffImage } from '../../../src/core/image/sniff.ts';
import { encodePng } from '../../e2e/png.ts';

/** A minimal baseline JPEG header: SOI, SOF0 (size), SOS, one data byte, EOI. */
function jpeg(width: number, height: number, end = true): Uint8Array {
  const sof = [0xff, 0xc0, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0];
  return Uint8Array.from([0xff, 0xd8, ...sof, ...sos, 0x12, 0x34, ...(end ? [0xff, 0xd9] : [])]);
}

/** A GIF with a global colour table and `frames` 1x1 image blocks (LZW payload is not checked). */
function gif(width: number, height: number, frames: number): Uint8Array {
  const frame = [0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
  return Uint8Array.from([...new TextEncoder().encode('GIF89a'), width, 0, height, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, ...Array.from({ length: frames }, () => frame).flat(), 0x3b]);
}

describe('sniffImage', () => {
  it('reads PNG dimensions and requires IEND', () => {
    const png = new Uint8Array(encodePng(new Uint8Array(3 * 2 * 4), 3, 2));
    expect(sniffImage(png, 'a.png')).toEqual({ ok: true, format: 'png', width: 3, height: 2 });
    const cut = sniffImage(png.subarray(0, png.length - 6), 'a.png');
    expect(cut.ok ? '' : cut.error.message).toMatch(/a\.png is a truncated PNG/);
  });

  it('reads JPEG dimensions from SOF and refuses a JPEG without its end marker', () => {
    expect(sniffImage(jpeg(640, 480), 'p.jpg')).toEqual({ ok: true, format: 'jpeg', width: 640, height: 480 });
    const cut = sniffImage(jpeg(640, 480, false), 'p.jpg');
    expect(cut.ok ? null : cut.error.kind).toBe('truncated');
    expect(cut.ok ? '' : cut.error.message).toMatch(/p\.jpg is a truncated JPEG/);
    // Cut inside the frame header: a segment runs off the end.
    const header = sniffImage(jpeg(640, 480).subarray(0, 10), 'h.jpg');
    expect(header.ok ? null : header.error.kind).toBe('truncated');
    // Cut inside the entropy-coded data: no end marker.
    const scan = sniffImage(jpeg(640, 480).subarray(0, 27), 's.jpg');
    expect(scan.ok ? null : scan.error.kind).toBe('truncated');
  });

  it('names text, SVG, HEIC and empty files and says what to do', () => {
    const text = sniffImage(new TextEncoder().encode('hello, these are notes\n'), 'notes.jpg');
    expect(text.ok ? '' : text.error.message).toBe('notes.jpg is not an image (it contains text). Add PNG, JPEG, GIF, WebP or BMP files.');
    const svg = sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'x.svg');
    expect(svg.ok ? '' : svg.error.message).toMatch(/x\.svg is an SVG drawing/);
    const heic = sniffImage(Uint8Array.from([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic'), 0, 0, 0, 0]), 'y.heic');
    expect(heic.ok ? '' : heic.error.message).toMatch(/HEIC\/HEIF image, which is not supported here\. Convert it to JPEG or PNG/);
    const empty = sniffImage(new Uint8Array(0), 'z.png');
    expect(empty.ok ? null : empty.error.kind).toBe('empty');
  });

  it('reads GIF size and frame count, and refuses a GIF without its trailer', () => {
    expect(sniffImage(gif(5, 7, 1), 'g')).toEqual({ ok: true, format: 'gif', width: 5, height: 7, frames: 1 });
    expect(sniffImage(gif(5, 7, 3), 'g')).toMatchObject({ frames: 3 });
    const cut = sniffImage(gif(5, 7, 2).subarray(0, 30), 'g.gif');
    expect(cut.ok ? '' : cut.error.message).toMatch(/g\.gif is a truncated GIF/);
  });

  it('refuses a PNG whose critical chunk fails its CRC', () => {
    const png = new Uint8Array(encodePng(new Uint8Array(2 * 2 * 4), 2, 2));
    png[45] = png[45]! ^ 0xff; // inside IDAT data (IDAT starts at byte 33: length, type, data)
    const r = sniffImage(png, 'crc.png');
    expect(r.ok ? '' : r.error.message).toMatch(/crc\.png is a damaged PNG \(its IDAT chunk fails its checksum\)/);
  });

  it('reads BMP and WebP (VP8X) sizes', () => {
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 9, true);
    new DataView(bmp.buffer).setInt32(22, -4, true); // top-down BMP
    expect(sniffImage(bmp, 'b')).toMatchObject({ ok: true, format: 'bmp', width: 9, height: 4 });
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode('RIFF'), 0);
    webp.set(new TextEncoder().encode('WEBPVP8X'), 8);
    webp.set([99, 0, 0, 49, 0, 0], 24);
    expect(sniffImage(webp, 'w')).toMatchObject({ ok: true, format: 'webp', width: 100, height: 50 });
  });

  it('reads lossy (VP8) and lossless (VP8L) WebP sizes, and refuses a WebP shorter than its RIFF size', () => {
    const riff = (chunk: string, body: number[], declared?: number) => {
      const b = new Uint8Array(20 + body.length);
      b.set(new TextEncoder().encode('RIFF'), 0);
      new DataView(b.buffer).setUint32(4, declared ?? b.length - 8, true);
      b.set(new TextEncoder().encode(`WEBP${chunk}`), 8);
      b.set(body, 20);
      return b;
    };
    // VP8: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (little-endian).
    expect(sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]), 'v')).toMatchObject({ ok: true, format: 'webp', width: 320, height: 240 });
    // VP8L: signature 0x2f, then width-1 (14 bits) and height-1 (14 bits): 99 and 49.
    const bits = 99 | (49 << 14);
    expect(sniffImage(riff('VP8L', [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, bits >>> 24]), 'l')).toMatchObject({ ok: true, width: 100, height: 50 });
    const cut = sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00], 5000), 'cut.webp');
    expect(cut.ok ? null : cut.error).toEqual({ kind: 'truncated', message: 'cut.webp is a truncated WebP (the file is shorter than its header says). Re-export or re-download it.' });
  });

  it('refuses a BMP shorter than its header says, and does not mistake text starting with BM for one', () => {
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setUint32(2, 1000, true);
    const r = sniffImage(bmp, 'cut.bmp');
    expect(r.ok ? null : r.error.kind).toBe('truncated');
    expect(r.ok ? '' : r.error.message).toMatch(/^cut\.bmp is a truncated BMP/);
    const text = sniffImage(new TextEncoder().encode('BMW service notes, March: oil, tyres, brakes.'), 'notes.bmp');
    expect(text.ok ? null : text.error.kind).toBe('not-image');
  });

  it('gives every refusal a kind and a message that names the file and says what to do', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'empty'],
      [new TextEncoder().encode('plain words'), 'not-image'],
      [Uint8Array.of(0, 1, 2, 3, 250, 251, 7, 8, 9, 0, 0, 0), 'not-image'],
      [jpeg(4, 4, false), 'truncated'],
    ];
    for (const [bytes, kind] of cases) {
      const r = sniffImage(bytes, 'x.dat');
      expect(r.ok ? null : r.error.kind).toBe(kind);
      expect(r.ok ? '' : r.error.message).toMatch(/^x\.dat .*\. (Add PNG, JPEG, GIF, WebP or BMP files|Re-export or re-download it)\.$/);
    }
  });

  it('never throws on arbitrary or mutated bytes', () => {
    const seeds = [jpeg(10, 10), new Uint8Array(encodePng(new Uint8Array(16), 2, 2))];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 60 }), (noise, which, cut) => {
        const base = seeds[which]!;
        const mutated = Uint8Array.from([...base.subarray(0, Math.max(0, base.length - cut)), ...noise.subarray(0, cut)]);
        for (const bytes of [noise, mutated]) {
          const r = sniffImage(bytes, 'f');
          expect(r.ok || r.error.message.length > 0).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
