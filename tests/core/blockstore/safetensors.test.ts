/**
 * The safetensors reader and writer against hand-built bytes: every refusal's exact message (these
 * are the sentences docs/bad-inputs.md quotes), float conversions checked bit pattern by bit
 * pattern against IEEE 754 values worked out by hand, and the writer's layout byte for byte.
 * Agreement with the Python package itself is in pythonBlockStore.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { refusal } from '../../support/outsideData.ts';
import {
  firstDuplicateKey,
  headerByteLength,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  readTensorAsFloat32,
  tensorBytesOf,
  tensorNamed,
  writeSafetensors,
} from '../../../src/core/blockstore/safetensors.ts';

const encoder = new TextEncoder();

/** A file: u64 little-endian header length (declared, or the real one), the header text, then `data`. */
function fileOf(header: string, data: Uint8Array | number = 0, declared?: bigint): Uint8Array {
  const json = encoder.encode(header);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const parse = (bytes: Uint8Array, name = 'pre-block-3.safetensors') => parseSafetensorsHeader(bytes, bytes.length, name);

const entry = (dtype: string, shape: string, offsets: string) => `{"dtype":${dtype},"shape":${shape},"data_offsets":${offsets}}`;
const F32x2 = entry('"F32"', '[2]', '[0,8]');

describe('headerByteLength', () => {
  it('reads the little-endian u64 at the start', () => {
    const bytes = fileOf(`{"a":${F32x2}}`, 8);
    expect(headerByteLength(bytes.subarray(0, 8), bytes.length, 'a.safetensors')).toBe(bytes.length - 16);
  });

  it('refuses a file shorter than the length itself', () => {
    expect(refusal(() => headerByteLength(new Uint8Array(0), 0, 'pre-block-3.safetensors'))).toBe(
      'pre-block-3.safetensors is 0 bytes, too short to be a safetensors file (one starts with an 8-byte header length). It is empty or was cut off. Copy or export the file again.',
    );
    expect(refusal(() => headerByteLength(new Uint8Array(7), 7, 'x.safetensors'))).toMatch(/^x\.safetensors is 7 bytes, too short/);
  });

  it('refuses a header over the cap, including lengths past 2^32', () => {
    const first8 = fileOf('', 0, BigInt(MAX_HEADER_BYTES + 1)).subarray(0, 8);
    expect(refusal(() => headerByteLength(first8, 200_000_000, 'pre-block-3.safetensors'))).toBe(
      'pre-block-3.safetensors declares a header of 100,000,001 bytes, more than the 100,000,000 safetensors allows: it is not a safetensors file, or its first bytes are damaged. Copy or export the file again.',
    );
    const huge = fileOf('', 0, 0x0102030405060708n).subarray(0, 8);
    expect(refusal(() => headerByteLength(huge, 1000, 'x'))).toMatch(/^x declares a header of 72,623,859,790,382,856 bytes, more than the 100,000,000/);
    // Exactly the cap is allowed by the cap (then refused as longer than this small file).
    expect(refusal(() => headerByteLength(fileOf('', 0, BigInt(MAX_HEADER_BYTES)).subarray(0, 8), 1000, 'x'))).toMatch(/but the whole file is 1,000 bytes/);
  });

  it('refuses a header longer than the file', () => {
    const bytes = fileOf('{}', 0, 64n);
    expect(refusal(() => headerByteLength(bytes.subarray(0, 8), bytes.length, 'pre-block-3.safetensors'))).toBe(
      'pre-block-3.safetensors declares a header of 64 bytes, but the whole file is 10 bytes: it is truncated, or not a safetensors file. Copy or export the file again.',
    );
  });

  it('throws a RangeError (a caller bug, not the file) when given fewer than 8 bytes of a longer file', () => {
    expect(() => headerByteLength(new Uint8Array(4), 100, 'x')).toThrow(RangeError);
  });
});

describe('parseSafetensorsHeader', () => {
  it('reads tensors in data order, with shape, count, offsets and metadata', () => {
    const header = `{"z":${entry('"F16"', '[3,1]', '[8,14]')},"__metadata__":{"format":"pt","note":"é"},"a":${F32x2},"s":${entry('"BF16"', '[]', '[14,16]')}}   `;
    const h = parse(fileOf(header, 16));
    expect(h.headerLength).toBe(encoder.encode(header).length);
    expect(h.dataStart).toBe(8 + h.headerLength);
    expect(h.dataLength).toBe(16);
    expect(h.metadata).toEqual({ format: 'pt', note: 'é' });
    expect(h.tensors).toEqual([
      { name: 'a', dtype: 'F32', shape: [2], count: 2, begin: 0, end: 8 },
      { name: 'z', dtype: 'F16', shape: [3, 1], count: 3, begin: 8, end: 14 },
      { name: 's', dtype: 'BF16', shape: [], count: 1, begin: 14, end: 16 },
    ]);
    expect(tensorNamed(h, 'z')?.begin).toBe(8);
    expect(tensorNamed(h, 'missing')).toBeUndefined();
  });

  it('accepts what the reference accepts: no tensors, null metadata, extra fields, leading whitespace, zero-size tensors sharing an offset, a longer prefix', () => {
    expect(parse(fileOf('{}')).tensors).toEqual([]);
    expect(parse(fileOf(' {"__metadata__":null}')).metadata).toBeNull();
    expect(parse(fileOf(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":[1]}}`, 8)).tensors[0]?.name).toBe('a');
    const zeros = parse(fileOf(`{"a":${entry('"F32"', '[0,5]', '[0,0]')},"b":${entry('"I64"', '[0]', '[0,0]')},"c":${entry('"U8"', '[1]', '[0,1]')}}`, 1));
    expect(zeros.tensors.map((t) => [t.name, t.begin, t.end])).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
      ['c', 0, 1],
    ]);
    const bytes = fileOf(`{"a":${F32x2}}`, 8);
    // The whole file as the prefix: only the first 8 + N bytes are used.
    expect(parseSafetensorsHeader(bytes, bytes.length, 'a').tensors).toHaveLength(1);
    expect(() => parseSafetensorsHeader(bytes.subarray(0, 12), bytes.length, 'a')).toThrow(RangeError);
  });

  it('counts bits for sub-byte dtypes and refuses a count that does not fill whole bytes', () => {
    expect(parse(fileOf(`{"a":${entry('"F4"', '[4]', '[0,2]')}}`, 2)).tensors[0]?.count).toBe(4);
    expect(refusal(() => parse(fileOf(`{"a":${entry('"F6_E2M3"', '[3]', '[0,3]')}}`, 3)))).toBe(
      'The tensor "a" in pre-block-3.safetensors is F6_E2M3 [3]: 18 bits, which do not fill whole bytes. It is damaged or was not written by safetensors; export it again.',
    );
  });

  const cases: [string, Uint8Array, string][] = [
    [
      'a header that is not UTF-8',
      fileOf('{"a":"\u00ff"}').map((b) => (b === 0xc3 ? 0xff : b)),
      'The header of pre-block-3.safetensors is not UTF-8 text: it is not a safetensors file, or it is damaged. Copy or export the file again.',
    ],
    [
      'a header that is not JSON',
      fileOf('{"a":'),
      'The header of pre-block-3.safetensors is not valid JSON: it is not a safetensors file, or it is damaged. Copy or export the file again.',
    ],
    [
      'a header with a byte-order mark',
      fileOf('\ufeff{}'),
      'The header of pre-block-3.safetensors is not valid JSON: it is not a safetensors file, or it is damaged. Copy or export the file again.',
    ],
    [
      'a header padded with NULs',
      fileOf('{}\u0000\u0000'),
      'The header of pre-block-3.safetensors is not valid JSON: it is not a safetensors file, or it is damaged. Copy or export the file again.',
    ],
    [
      'an empty header',
      fileOf(''),
      'The header of pre-block-3.safetensors is not valid JSON: it is not a safetensors file, or it is damaged. Copy or export the file again.',
    ],
    [
      'a JSON list',
      fileOf('[]'),
      'The header of pre-block-3.safetensors is JSON but not an object of tensors ({"name": {"dtype", "shape", "data_offsets"}}). It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a duplicate tensor name',
      fileOf(`{"block":${F32x2},"block":${F32x2}}`, 8),
      'The header of pre-block-3.safetensors gives the name "block" twice, so which entry counts is a guess. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a tensor entry that is not an object',
      fileOf('{"block":[1]}'),
      'The header entry for tensor "block" in pre-block-3.safetensors is a list, not {"dtype", "shape", "data_offsets"}. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'an unknown dtype',
      fileOf(`{"block":${entry('"f32"', '[2]', '[0,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has dtype "f32", which safetensors does not define (it defines BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64). It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'no dtype',
      fileOf('{"block":{"shape":[2],"data_offsets":[0,8]}}', 8),
      'The tensor "block" in pre-block-3.safetensors has no dtype (it defines BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64). It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a dtype named like an Object method',
      fileOf(`{"block":${entry('"constructor"', '[2]', '[0,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has dtype "constructor", which safetensors does not define',
    ],
    [
      'a negative dimension',
      fileOf(`{"block":${entry('"F32"', '[-2]', '[0,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has shape [-2]; a shape is a list of whole numbers 0 or more, like [196, 768]. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a fractional dimension',
      fileOf(`{"block":${entry('"F32"', '[1.5]', '[0,6]')}}`, 6),
      'The tensor "block" in pre-block-3.safetensors has shape [1.5]; a shape is a list of whole numbers',
    ],
    [
      'a shape that is not a list',
      fileOf(`{"block":${entry('"F32"', '"2"', '[0,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has shape "2"; a shape is a list of whole numbers',
    ],
    [
      'no shape',
      fileOf('{"block":{"dtype":"F32","data_offsets":[0,8]}}', 8),
      'The tensor "block" in pre-block-3.safetensors has no shape; a shape is a list of whole numbers',
    ],
    [
      'three offsets',
      fileOf(`{"block":${entry('"F32"', '[2]', '[0,8,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has data_offsets [0,8,8]; expected two whole numbers [begin, end] with begin <= end. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'begin after end',
      fileOf(`{"block":${entry('"F32"', '[0]', '[8,0]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has data_offsets [8,0]; expected two whole numbers [begin, end] with begin <= end.',
    ],
    [
      'no offsets',
      fileOf('{"block":{"dtype":"F32","shape":[2]}}', 8),
      'The tensor "block" in pre-block-3.safetensors has no data_offsets; expected two whole numbers',
    ],
    [
      'a byte length that disagrees with dtype x shape',
      fileOf(`{"block":${entry('"F16"', '[2,3]', '[0,24]')}}`, 24),
      'The tensor "block" in pre-block-3.safetensors is F16 [2, 3], which takes 12 bytes, but its data_offsets [0, 24] span 24 bytes. The header contradicts itself. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a shape too large for any file',
      fileOf(`{"block":${entry('"F32"', '[4294967296,4294967296]', '[0,8]')}}`, 8),
      'The tensor "block" in pre-block-3.safetensors has shape [4294967296, 4294967296], more values than any file can hold. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a truncated file',
      fileOf(`{"block":${entry('"F32"', '[196,8]', '[0,6272]')}}`, 1000),
      'pre-block-3.safetensors is truncated: tensor "block" ends at byte 6,345 of the file, but the file is 1,073 bytes (5,272 bytes missing). Copy or export the file again.',
    ],
    [
      'overlapping tensors',
      fileOf(`{"a":${entry('"F32"', '[2]', '[0,8]')},"b":${entry('"F32"', '[2]', '[4,12]')}}`, 12),
      'In pre-block-3.safetensors, tensors "a" (bytes 0-8 of the data) and "b" (bytes 4-12) overlap; safetensors stores each tensor in bytes of its own and refuses such a file. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a hole before the first tensor',
      fileOf(`{"a":${entry('"F32"', '[1]', '[4,8]')}}`, 8),
      'In pre-block-3.safetensors, 4 bytes before the first tensor ("a") belong to no tensor; safetensors refuses a file with such a gap. It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'a hole between tensors',
      fileOf(`{"a":${entry('"F32"', '[1]', '[0,4]')},"b":${entry('"F32"', '[1]', '[5,9]')}}`, 9),
      'In pre-block-3.safetensors, 1 byte between tensors "a" and "b" belongs to no tensor; safetensors refuses a file with such a gap.',
    ],
    [
      'bytes after the last tensor',
      fileOf(`{"block":${F32x2}}`, 12),
      'pre-block-3.safetensors has 4 bytes after its last tensor that belong to no tensor; safetensors refuses such a file. It may have been appended to or damaged; export it again.',
    ],
    [
      'bytes in a file with no tensors',
      fileOf('{}', 3),
      'pre-block-3.safetensors has 3 bytes after its header (it holds no tensors) that belong to no tensor; safetensors refuses such a file.',
    ],
    [
      'metadata that is not an object',
      fileOf('{"__metadata__":"pt"}'),
      'In pre-block-3.safetensors, "__metadata__" is text; safetensors expects an object of text values ({"format": "pt"}). It is damaged or was not written by safetensors; export it again.',
    ],
    [
      'metadata with a number',
      fileOf('{"__metadata__":{"format":"pt","epoch":3}}'),
      'In pre-block-3.safetensors, "__metadata__" gives "epoch" the number 3; safetensors metadata holds only text values. It is damaged or was not written by safetensors; export it again.',
    ],
  ];
  for (const [what, bytes, message] of cases) {
    it(`refuses ${what}, naming the file`, () => {
      // The full sentence where the case gives one, its start where it repeats another case's ending.
      const got = refusal(() => parse(bytes));
      expect(got.startsWith(message) ? message : got).toBe(message);
    });
  }

  it('echoes a long bad value cut short', () => {
    const long = `[${Array.from({ length: 40 }, () => -1).join(',')}]`;
    expect(refusal(() => parse(fileOf(`{"block":${entry('"F32"', long, '[0,8]')}}`, 8)))).toMatch(/has shape \[-1,-1,[-1,]*\.\.\.; a shape/);
  });
});

describe('firstDuplicateKey', () => {
  it('finds keys repeated in one object, at any depth, compared after unescaping', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"a":2}}')).toBeNull();
    expect(firstDuplicateKey('{"a":1,"b":{"c":2,"c":3}}')).toBe('c');
    expect(firstDuplicateKey('{"a":1,"\\u0061":2}')).toBe('a');
    expect(firstDuplicateKey('{"a\\"":1,"x":["a\\"",{"a\\"":1}],"a\\"" : 2}')).toBe('a"');
    expect(firstDuplicateKey('{"x":["a","a"],"y":"a:a"}')).toBeNull();
    expect(firstDuplicateKey('{"s":"}{","t":{"s":1}}')).toBeNull();
  });
});

/** Little-endian bytes of u16 bit patterns, placed at `offset` in a larger buffer so reads are unaligned. */
function halfBytes(bits: readonly number[], offset = 1): Uint8Array {
  const buffer = new Uint8Array(offset + 2 * bits.length);
  bits.forEach((b, i) => {
    buffer[offset + 2 * i] = b & 0xff;
    buffer[offset + 2 * i + 1] = b >> 8;
  });
  return buffer.subarray(offset);
}

describe('readTensorAsFloat32', () => {
  it('reads F32 little-endian bit for bit, NaN payloads and -0 included, at any alignment', () => {
    const bits = [0x3f800000, 0xbf800000, 0x7f800001, 0xffc00123, 0x80000000, 0x00000001, 0x7f7fffff];
    const buffer = new Uint8Array(3 + 4 * bits.length);
    bits.forEach((b, i) => new DataView(buffer.buffer).setUint32(3 + 4 * i, b, true));
    const got = readTensorAsFloat32(buffer.subarray(3), 'F32', bits.length);
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(bits);
  });

  it('reads F16 exactly: normals, subnormals, the largest finite, signed zeros, infinities and NaN', () => {
    const bits = [0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe01];
    const want = [1, -2, 0.333251953125, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, Infinity, -Infinity, Number.NaN, Number.NaN];
    const got = Array.from(readTensorAsFloat32(halfBytes(bits), 'F16', bits.length));
    want.forEach((w, i) => expect(Object.is(got[i], w), `bits 0x${bits[i]!.toString(16)}: got ${got[i]}, want ${w}`).toBe(true));
  });

  it('reads BF16 as the top half of a float32: exact, with float32 subnormals, infinities and NaN payloads', () => {
    const bits = [0x3f80, 0xc040, 0x3eab, 0x0001, 0x8000, 0x7f7f, 0x7f80, 0xff80, 0x7fc1];
    const got = readTensorAsFloat32(halfBytes(bits, 3), 'BF16', bits.length);
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(bits.map((b) => (b << 16) >>> 0));
    expect(got[0]).toBe(1);
    expect(got[1]).toBe(-3);
    expect(got[3]).toBe(2 ** -133);
    expect(got[5]).toBe(255 * 2 ** 120);
  });

  it('rounds F64 to the nearest float32', () => {
    const values = [0.1, -1 / 3, 1e300, 2 ** -160, 1 + 2 ** -24, 1 + 3 * 2 ** -24];
    const buffer = new Uint8Array(5 + 8 * values.length);
    values.forEach((v, i) => new DataView(buffer.buffer).setFloat64(5 + 8 * i, v, true));
    expect(Array.from(readTensorAsFloat32(buffer.subarray(5), 'F64', values.length))).toEqual([
      Math.fround(0.1),
      Math.fround(-1 / 3),
      Infinity,
      0,
      1,
      1 + 4 * 2 ** -24,
    ]);
  });

  it('returns a fresh array and checks its arguments', () => {
    const bytes = new Uint8Array(8);
    const got = readTensorAsFloat32(bytes, 'F32', 2);
    got[0] = 5;
    expect(bytes[0]).toBe(0);
    expect(() => readTensorAsFloat32(bytes, 'F32', 3)).toThrow(RangeError);
    expect(() => readTensorAsFloat32(bytes, 'I64' as 'F32', 1)).toThrow(RangeError);
  });

  it('reads a tensor out of a parsed file through tensorBytesOf', () => {
    const file = writeSafetensors([{ name: 'block', dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) }]);
    const h = parse(file);
    const t = tensorNamed(h, 'block')!;
    expect(Array.from(readTensorAsFloat32(tensorBytesOf(file.subarray(h.dataStart), t), 'F32', t.count))).toEqual([1.5, -2]);
    expect(() => tensorBytesOf(file.subarray(h.dataStart, h.dataStart + 4), t)).toThrow(RangeError);
  });
});

describe('writeSafetensors', () => {
  it('writes the reference layout: F32 before F16, names in UTF-8 byte order, packed data, header padded with spaces to 8', () => {
    const file = writeSafetensors([
      { name: '😀', dtype: 'F32', shape: [1], data: Float32Array.of(2) },
      { name: 'b', dtype: 'F16', shape: [2], data: Float32Array.of(1, -2) },
      { name: '\uff41', dtype: 'F32', shape: [1], data: Float32Array.of(0.5) },
      { name: 'a', dtype: 'F16', shape: [1, 1], data: Float32Array.of(65520) },
    ]);
    const json =
      '{"ａ":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"😀":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
      '"a":{"dtype":"F16","shape":[1,1],"data_offsets":[8,10]},"b":{"dtype":"F16","shape":[2],"data_offsets":[10,14]}}';
    const jsonBytes = encoder.encode(json);
    const padded = Math.ceil(jsonBytes.length / 8) * 8;
    // 65520 is halfway between 65504 and 65536 (infinity): ties to even rounds it to infinity.
    const data = [0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x7c, 0x00, 0x3c, 0x00, 0xc0];
    const want = new Uint8Array(8 + padded + data.length).fill(0x20);
    new DataView(want.buffer).setBigUint64(0, BigInt(padded), true);
    want.set(jsonBytes, 8);
    want.set(data, 8 + padded);
    expect(Array.from(file)).toEqual(Array.from(want));
  });

  it('writes metadata first, and an empty file as {} padded', () => {
    const text = (file: Uint8Array) => new TextDecoder().decode(file.subarray(8));
    expect(text(writeSafetensors([], undefined))).toBe('{}      ');
    const json = '{"__metadata__":{"format":"pt","x\\"y":"a\\nb"},"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}';
    const padding = (8 - (json.length % 8)) % 8;
    expect(padding).toBeGreaterThan(0);
    expect(text(writeSafetensors([{ name: 'w', dtype: 'F32', shape: [], data: Float32Array.of(0) }], { format: 'pt', 'x"y': 'a\nb' }))).toBe(
      `${json}${' '.repeat(padding)}\u0000\u0000\u0000\u0000`,
    );
    expect(parse(writeSafetensors([], {})).metadata).toEqual({});
  });

  it('reads back what it wrote', () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5);
    const file = writeSafetensors([{ name: 'fc1.weight', dtype: 'F32', shape: [3, 4], data: w }], { format: 'pt' });
    const h = parse(file, 'reconstructor.safetensors');
    expect(h.dataStart % 8).toBe(0);
    expect(h.metadata).toEqual({ format: 'pt' });
    const t = tensorNamed(h, 'fc1.weight')!;
    expect(t.shape).toEqual([3, 4]);
    expect(readTensorAsFloat32(file.subarray(h.dataStart + t.begin, h.dataStart + t.end), 'F32', t.count)).toEqual(w);
  });

  it('refuses what would make a bad file', () => {
    const t = { name: 'a', dtype: 'F32', shape: [2], data: new Float32Array(2) } as const;
    expect(() => writeSafetensors([t, t])).toThrow(/given twice/);
    expect(() => writeSafetensors([{ ...t, name: '__metadata__' }])).toThrow(RangeError);
    expect(() => writeSafetensors([{ ...t, shape: [3] }])).toThrow(/2 values for shape \[3\]/);
    expect(() => writeSafetensors([{ ...t, shape: [-1, -2] }])).toThrow(/shape\[0\]/);
    expect(() => writeSafetensors([{ ...t, dtype: 'BF16' as 'F32' }])).toThrow(RangeError);
  });
});
