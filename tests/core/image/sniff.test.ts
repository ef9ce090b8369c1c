/** File identification by bytes, with the messages a user sees. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffImage } from '../../../src/core/image/sniff.ts';
import { encodePng } from '../../e2e/png.ts';

/** A minimal baseline JPEG header: SOI, SOF0 (size), SOS, one data byte, EOI. */
/** A baseline JPEG skeleton; `components` 1 is grey, 3 colour, 4 CMYK (3 bytes each in SOF). */
function jpeg(width: number, height: number, end = true, components = 1): Uint8Array {
  const channels = Array.from({ length: components }, (_, i) => [i + 1, 0x11, 0]).flat();
  const sof = [0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components, ...channels];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0];
  return Uint8Array.from([0xff, 0xd8, ...sof, ...sos, 0x12, 0x34, ...(end ? [0xff, 0xd9] : [])]);
}

/** A GIF with a global colour table and `frames` 1x1 image blocks (LZW payload is not checked). */
function gif(width: number, height: number, frames: number): Uint8Array {
  const frame = [0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
  return Uint8Array.from([
    ...new TextEncoder().encode('GIF89a'),
    width,
    0,
    height,
    0,
    0x80,
    0,
    0,
    0,
    0,
    0,
    255,
    255,
    255,
    ...Array.from({ length: frames }, () => frame).flat(),
    0x3b,
  ]);
}

describe('sniffImage', () => {
  it('reads PNG dimensions and requires IEND', () => {
    const png = new Uint8Array(encodePng(new Uint8Array(3 * 2 * 4), 3, 2));
    expect(sniffImage(png, 'a.png')).toEqual({ ok: true, format: 'png', width: 3, height: 2 });
    const cut = sniffImage(png.subarray(0, png.length - 6), 'a.png');
    expect(cut.ok ? '' : cut.error.message).toMatch(/a\.png is a truncated PNG/);
  });

  it('reads JPEG dimensions from SOF and refuses a JPEG without its end marker', () => {
    expect(sniffImage(jpeg(640, 480), 'p.jpg')).toEqual({ ok: true, format: 'jpeg', width: 640, height: 480, components: 1 });
    expect(sniffImage(jpeg(64, 48, true, 4), 'c.jpg')).toEqual({ ok: true, format: 'jpeg', width: 64, height: 48, components: 4 });
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

  it('admits a JPEG with bytes after its end marker (a motion photo) and says how many', () => {
    const video = [0, 0, 0, 24, ...new TextEncoder().encode('ftypmp42'), 0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    const motion = Uint8Array.from([...jpeg(64, 48), ...video]);
    expect(sniffImage(motion, 'PXL_MP.jpg')).toEqual({ ok: true, format: 'jpeg', width: 64, height: 48, components: 1, trailingBytes: video.length });
    // The end marker is found by walking the scan, not by looking at the file's last bytes.
    const padded = Uint8Array.from([...jpeg(64, 48), ...new Uint8Array(4096).fill(0x7f)]);
    expect(sniffImage(padded, 'trailer.jpg')).toMatchObject({ ok: true, trailingBytes: 4096 });
    // Cut before its end marker, a JPEG with a trailer-like tail is still truncated.
    const cut = sniffImage(Uint8Array.from([...jpeg(64, 48, false), 0x12, 0x34]), 'cut.jpg');
    expect(cut.ok ? null : cut.error.kind).toBe('truncated');
  });

  it('walks a progressive JPEG: stuffed bytes, restart markers and tables between scans (which may hold FF D9 in their payload)', () => {
    const base = jpeg(8, 8, false);
    // Scan data with a stuffed FF00 and a restart marker, then a DHT whose payload holds FF D9, a second scan, EOI.
    const dht = [0xff, 0xc4, 0, 6, 0x10, 0xff, 0xd9, 0x00];
    const scan2 = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x55, 0xff, 0x00, 0x66];
    const progressive = Uint8Array.from([...base, 0xff, 0x00, 0x10, 0xff, 0xd3, 0x20, ...dht, ...scan2, 0xff, 0xd9]);
    expect(sniffImage(progressive, 'prog.jpg')).toEqual({ ok: true, format: 'jpeg', width: 8, height: 8, components: 1 });
    const cutInTables = sniffImage(Uint8Array.from([...base, 0x10, ...dht.slice(0, 7)]), 'cut-prog.jpg');
    expect(cutInTables.ok ? null : cutInTables.error.kind).toBe('truncated');
  });

  it('counts the frames of an APNG and of an animated WebP', () => {
    const png = new Uint8Array(encodePng(new Uint8Array(2 * 2 * 4), 2, 2));
    // An acTL chunk (num_frames 5, num_plays 0) right after IHDR; ancillary, so its CRC is not checked.
    const actl = [0, 0, 0, 8, ...new TextEncoder().encode('acTL'), 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
    const apng = Uint8Array.from([...png.subarray(0, 33), ...actl, ...png.subarray(33)]);
    expect(sniffImage(apng, 'a.png')).toMatchObject({ ok: true, format: 'png', frames: 5 });
    const chunk = (type: string, size: number) => [...new TextEncoder().encode(type), size & 255, 0, 0, 0, ...new Array<number>(size + (size & 1)).fill(0)];
    const body = [
      ...new TextEncoder().encode('VP8X'),
      10,
      0,
      0,
      0,
      0x02,
      0,
      0,
      0,
      9,
      0,
      0,
      4,
      0,
      0,
      ...chunk('ANIM', 6),
      ...chunk('ANMF', 16),
      ...chunk('ANMF', 16),
      ...chunk('ANMF', 16),
    ];
    const webp = Uint8Array.from([
      ...new TextEncoder().encode('RIFF'),
      (body.length + 4) & 255,
      (body.length + 4) >> 8,
      0,
      0,
      ...new TextEncoder().encode('WEBP'),
      ...body,
    ]);
    expect(sniffImage(webp, 'anim.webp')).toMatchObject({ ok: true, format: 'webp', width: 10, height: 5, frames: 3 });
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
    expect(sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]), 'v')).toMatchObject({
      ok: true,
      format: 'webp',
      width: 320,
      height: 240,
    });
    // VP8L: signature 0x2f, then width-1 (14 bits) and height-1 (14 bits): 99 and 49.
    const bits = 99 | (49 << 14);
    expect(sniffImage(riff('VP8L', [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, bits >>> 24]), 'l')).toMatchObject({
      ok: true,
      width: 100,
      height: 50,
    });
    const cut = sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00], 5000), 'cut.webp');
    expect(cut.ok ? null : cut.error).toEqual({
      kind: 'truncated',
      message: 'cut.webp is a truncated WebP (the file is shorter than its header says). Re-export or re-download it.',
    });
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
