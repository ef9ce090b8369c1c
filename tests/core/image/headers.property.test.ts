/**
 * Properties of image identification on generated files: a well-formed PNG, GIF, BMP, WebP or JPEG
 * header reports exactly the dimensions written into it; any strict prefix is refused; damaged
 * bytes give a result or a refusal, never a thrown error. Files are written here from the format
 * specs (CRCs by node:zlib), independently of the sniffer.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkImageFile, cmykNotice, MAX_ASPECT, MAX_DECODE_PIXELS, tooLargeMessage, trailingBytesNotice } from '../../../src/core/image/checkImageFile.ts';
import { sniffImage, type ImageFormat } from '../../../src/core/image/sniff.ts';

const RUNS = 1000;

interface Generated {
  readonly format: ImageFormat;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly frames?: number;
  /** JPEG colour components (4: CMYK). */
  readonly components?: number;
  /** Bytes a reader may ignore after the end (JPEG padding): prefixes are cut from before them. */
  readonly padding?: number;
  /** JPEG: bytes after the end marker, which the sniffer reports. */
  readonly trailingBytes?: number;
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const u16le = (v: number) => [v & 255, (v >>> 8) & 255];
const u16be = (v: number) => [(v >>> 8) & 255, v & 255];
const u32le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const u32be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => [...b]);

function pngChunk(type: string, data: number[]): number[] {
  const body = [...ascii(type), ...data];
  return [...u32be(data.length), ...body, ...u32be(crc32(Uint8Array.from(body)) >>> 0)];
}

const png: fc.Arbitrary<Generated> = fc
  .record({ width: fc.integer({ min: 1, max: 2 ** 31 - 1 }), height: fc.integer({ min: 1, max: 2 ** 31 - 1 }), idat: bytes(40), text: fc.option(bytes(20)) })
  .map(({ width, height, idat, text }) => {
    const ihdr = [...u32be(width), ...u32be(height), 8, 6, 0, 0, 0];
    const file = [
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      ...pngChunk('IHDR', ihdr),
      ...(text ? pngChunk('tEXt', text) : []),
      ...pngChunk('IDAT', idat),
      ...pngChunk('IEND', []),
    ];
    return { format: 'png', bytes: Uint8Array.from(file), width, height };
  });

/** Sub-blocks: a size byte (1..255) and that many bytes, then a zero terminator. */
const subBlocks = fc.array(fc.uint8Array({ minLength: 1, maxLength: 20 }), { maxLength: 3 }).map((blocks) => [...blocks.flatMap((b) => [b.length, ...b]), 0]);

const gif: fc.Arbitrary<Generated> = fc
  .record({
    version: fc.constantFrom('GIF87a', 'GIF89a'),
    width: fc.integer({ min: 0, max: 65535 }),
    height: fc.integer({ min: 0, max: 65535 }),
    globalTable: fc.option(fc.integer({ min: 0, max: 7 })),
    frames: fc.array(fc.record({ control: fc.boolean(), localTable: fc.option(fc.integer({ min: 0, max: 3 })), data: subBlocks }), {
      minLength: 1,
      maxLength: 4,
    }),
    comment: fc.option(subBlocks),
  })
  .map(({ version, width, height, globalTable, frames, comment }) => {
    const table = (size: number | null) => (size === null ? [] : new Array<number>(3 * 2 ** (size + 1)).fill(7));
    const file = [
      ...ascii(version),
      ...u16le(width),
      ...u16le(height),
      globalTable === null ? 0 : 0x80 | globalTable,
      0,
      0,
      ...table(globalTable),
      ...(comment ? [0x21, 0xfe, ...comment] : []),
      ...frames.flatMap((f) => [
        ...(f.control ? [0x21, 0xf9, 4, 0, 10, 0, 0, 0] : []),
        0x2c,
        0,
        0,
        0,
        0,
        ...u16le(1),
        ...u16le(1),
        f.localTable === null ? 0 : 0x80 | f.localTable,
        ...table(f.localTable),
        2,
        ...f.data,
      ]),
      0x3b,
    ];
    return { format: 'gif', bytes: Uint8Array.from(file), width, height, frames: frames.length };
  });

/** BITMAPINFOHEADER (40 bytes, signed width/height; negative height is top-down) or the OS/2 BITMAPCOREHEADER (12 bytes, unsigned 16-bit). */
const bmp: fc.Arbitrary<Generated> = fc
  .record({
    core: fc.boolean(),
    width: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    height: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    topDown: fc.boolean(),
    pixels: bytes(48),
  })
  .map(({ core, width, height, topDown, pixels }) => {
    const w = core ? width & 0xffff || 1 : width;
    const h = core ? height & 0xffff || 1 : height;
    const info = core
      ? [...u32le(12), ...u16le(w), ...u16le(h), ...u16le(1), ...u16le(24)]
      : [...u32le(40), ...u32le(w), ...u32le(topDown ? -h : h), ...u16le(1), ...u16le(24), ...new Array<number>(24).fill(0)];
    const size = 14 + info.length + pixels.length;
    const file = [...ascii('BM'), ...u32le(size), 0, 0, 0, 0, ...u32le(14 + info.length), ...info, ...pixels];
    return { format: 'bmp', bytes: Uint8Array.from(file), width: w, height: h };
  });

function riff(chunk: string, body: number[], tail: number[]): Uint8Array {
  const padded = body.length % 2 ? [...body, 0] : body;
  const payload = [...ascii('WEBP'), ...ascii(chunk), ...u32le(body.length), ...padded, ...tail];
  return Uint8Array.from([...ascii('RIFF'), ...u32le(payload.length), ...payload]);
}

const webp: fc.Arbitrary<Generated> = fc.oneof(
  fc
    .record({ width: fc.integer({ min: 1, max: 0x3fff }), height: fc.integer({ min: 1, max: 0x3fff }), scale: fc.integer({ min: 0, max: 3 }), data: bytes(20) })
    .map(({ width, height, scale, data }) => ({
      format: 'webp' as const,
      // VP8 key frame: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height with a 2-bit scale on top.
      bytes: riff('VP8 ', [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...u16le(width | (scale << 14)), ...u16le(height | (scale << 14)), ...data], []),
      width,
      height,
    })),
  fc
    .record({ width: fc.integer({ min: 1, max: 0x4000 }), height: fc.integer({ min: 1, max: 0x4000 }), alpha: fc.boolean(), data: bytes(20) })
    .map(({ width, height, alpha, data }) => ({
      format: 'webp' as const,
      // VP8L: signature 0x2f, then width-1 and height-1 in 14 bits each, an alpha bit and a 3-bit version (0).
      bytes: riff('VP8L', [0x2f, ...u32le((width - 1) | ((height - 1) << 14) | (alpha ? 1 << 28 : 0)), ...data], []),
      width,
      height,
    })),
  fc
    .record({
      width: fc.integer({ min: 1, max: 2 ** 24 }),
      height: fc.integer({ min: 1, max: 2 ** 24 }),
      flags: fc.integer({ min: 0, max: 255 }),
      tail: bytes(16),
    })
    .map(({ width, height, flags, tail }) => ({
      format: 'webp' as const,
      // VP8X: 4 bytes of flags, then canvas width-1 and height-1 in 24 bits each; other chunks follow.
      bytes: riff(
        'VP8X',
        [flags, 0, 0, 0, ...u32le(width - 1).slice(0, 3), ...u32le(height - 1).slice(0, 3)],
        tail.length ? [...ascii('ALPH'), ...u32le(tail.length), ...tail, ...(tail.length % 2 ? [0] : [])] : [],
      ),
      width,
      height,
      // Flag 0x02 says animated; with no ANMF chunk written, it counts as one frame.
      ...(flags & 0x02 ? { frames: 1 } : {}),
    })),
);

const SOF_MARKERS = [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf];

const jpeg: fc.Arbitrary<Generated> = fc
  .record({
    width: fc.integer({ min: 0, max: 65535 }),
    height: fc.integer({ min: 0, max: 65535 }),
    sof: fc.constantFrom(...SOF_MARKERS),
    components: fc.constantFrom(1, 3, 4),
    app0: fc.boolean(),
    extra: fc.array(fc.tuple(fc.constantFrom(0xe1, 0xdb, 0xc4, 0xfe, 0xdd), bytes(30)), { maxLength: 3 }),
    fill: fc.integer({ min: 0, max: 2 }),
    scan: bytes(40),
    padding: fc.array(fc.constantFrom(0x00, 0x0a, 0x0d, 0x20), { maxLength: 4 }),
  })
  .map(({ width, height, sof, components, app0, extra, fill, scan, padding }) => {
    const segment = (marker: number, body: number[]) => [...new Array<number>(fill).fill(0xff), 0xff, marker, ...u16be(body.length + 2), ...body];
    // Entropy-coded data never holds a bare FF: it is stuffed as FF 00.
    const entropy = scan.flatMap((b) => (b === 0xff ? [0xff, 0x00] : [b]));
    const file = [
      0xff,
      0xd8,
      ...(app0 ? segment(0xe0, [...ascii('JFIF'), 0, 1, 2, 0, 0, 1, 0, 1, 0, 0]) : []),
      ...extra.flatMap(([m, body]) => segment(m, body)),
      // Frame header: precision, height, width, then (id, sampling, table) per colour component.
      ...segment(sof, [
        8,
        ...u16be(height),
        ...u16be(width),
        components,
        ...Array.from({ length: components }, (_, i) => [i + 1, i === 0 ? 0x22 : 0x11, i === 0 ? 0 : 1]).flat(),
      ]),
      ...segment(0xda, [3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]),
      ...entropy,
      0xff,
      0xd9,
      ...padding,
    ];
    return {
      format: 'jpeg',
      bytes: Uint8Array.from(file),
      width,
      height,
      components,
      padding: padding.length,
      ...(padding.length > 0 ? { trailingBytes: padding.length } : {}),
    };
  });

const anyImage = fc.oneof(png, gif, bmp, webp, jpeg);

/** What checkImageFile must answer for a well-formed file of this size, from its documented rules. */
function expectedCheck(g: Generated, name: string) {
  const { width: w, height: h } = g;
  if (w * h > MAX_DECODE_PIXELS) return { ok: false, message: tooLargeMessage(name, w, h) };
  if (w === 0 || h === 0) return { ok: false, message: `${name} says it is ${w} x ${h} pixels: an empty image. Re-export it.` };
  if (Math.max(w / h, h / w) > MAX_ASPECT)
    return { ok: false, message: expect.stringMatching(new RegExp(`^${name} is ${w} x ${h} pixels, more than ${MAX_ASPECT}:1`)) };
  const notices = [
    g.frames !== undefined && g.frames > 1 ? `${name} is animated (${g.frames} frames); only its first frame is analysed.` : null,
    g.components === 4 ? cmykNotice(name) : null,
    g.trailingBytes ? trailingBytesNotice(name, g.trailingBytes) : null,
  ].filter((n) => n !== null);
  const notice = notices.length > 0 ? notices.join(' ') : null;
  return { ok: true, format: g.format, width: w, height: h, notice };
}

/** The sniffer's contract on any bytes: a result with sane dimensions, or a refusal with a kind and a message naming the file. */
function expectResultOrRefusal(b: Uint8Array): void {
  const r = sniffImage(b, 'f.img');
  if (r.ok) {
    for (const d of [r.width, r.height, r.frames]) if (d !== undefined) expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
  } else {
    expect(['empty', 'not-image', 'truncated', 'unsupported']).toContain(r.error.kind);
    expect(r.error.message.startsWith('f.img ')).toBe(true);
  }
  const c = checkImageFile(b, 'f.img');
  if (!c.ok) expect(c.message.startsWith('f.img ')).toBe(true);
}

describe('image header properties', () => {
  it('reads the 16-bit size of an OS/2 BMP (BITMAPCOREHEADER), not the 32-bit fields of the Windows header', () => {
    // 640 x 480: bytes 18..21 are 80 02 e0 01; read as a 32-bit width they would give 31,458,944.
    const file = Uint8Array.from([
      ...ascii('BM'),
      ...u32le(32),
      0,
      0,
      0,
      0,
      ...u32le(26),
      ...u32le(12),
      ...u16le(640),
      ...u16le(480),
      ...u16le(1),
      ...u16le(24),
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
    expect(sniffImage(file, 'os2.bmp')).toEqual({ ok: true, format: 'bmp', width: 640, height: 480 });
    expect(checkImageFile(file, 'os2.bmp')).toEqual({ ok: true, format: 'bmp', width: 640, height: 480, notice: null });
  });

  it.each<[string, fc.Arbitrary<Generated>]>([
    ['PNG', png],
    ['GIF', gif],
    ['BMP', bmp],
    ['WebP', webp],
    ['JPEG', jpeg],
  ])('reads exactly the dimensions written into a generated %s', (_, arb) => {
    fc.assert(
      fc.property(arb, (g) => {
        const extra = {
          ...(g.frames === undefined ? {} : { frames: g.frames }),
          ...(g.components === undefined ? {} : { components: g.components }),
          ...(g.trailingBytes === undefined ? {} : { trailingBytes: g.trailingBytes }),
        };
        expect(sniffImage(g.bytes, 'g')).toEqual({ ok: true, format: g.format, width: g.width, height: g.height, ...extra });
        expect(checkImageFile(g.bytes, 'g.img')).toEqual(expectedCheck(g, 'g.img'));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses every strict prefix of a generated file (a truncated download)', () => {
    fc.assert(
      fc.property(anyImage, fc.nat(), (g, at) => {
        const end = g.bytes.length - (g.padding ?? 0);
        const cut = g.bytes.subarray(0, at % end);
        const r = sniffImage(cut, 'cut.img');
        expect(r.ok).toBe(false);
        // Once the signature is there, the refusal is for truncation.
        if (!r.ok && cut.length >= 12) expect(r.error.kind).toBe('truncated');
        expect(checkImageFile(cut, 'cut.img').ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a result or a refusal, never a thrown error, for flipped, inserted, deleted and appended bytes', () => {
    const edit = fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(anyImage, fc.array(edit, { minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 16 }), (g, edits, tail) => {
        const b = [...g.bytes];
        for (const [kind, at, value] of edits) {
          const i = at % (b.length + 1);
          if (kind === 'set' && i < b.length) b[i] = value;
          else if (kind === 'insert') b.splice(i, 0, value);
          else b.splice(i, 1 + (value % 8));
        }
        expectResultOrRefusal(Uint8Array.from(b));
        expectResultOrRefusal(Uint8Array.from([...b, ...tail]));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a result or a refusal for random bytes behind each signature', () => {
    const signature = fc.constantFrom(
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0xff, 0xd8, 0xff],
      ascii('GIF89a'),
      [...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBP')],
      ascii('BM'),
      [0, 0, 0, 24, ...ascii('ftyp')],
      [],
    );
    fc.assert(
      fc.property(signature, fc.uint8Array({ maxLength: 120 }), (sig, rest) => {
        expectResultOrRefusal(Uint8Array.from([...sig, ...rest]));
      }),
      { numRuns: RUNS },
    );
  });
});
