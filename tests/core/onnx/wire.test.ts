/** The hand-written wire reader and writer agree with protobufjs, an independent implementation. */
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fields, lengthPrefix, readVarint, varints, WireError, WireWriter } from '../../../src/core/onnx/wire.ts';

describe('readVarint', () => {
  it('reads every int64 protobufjs writes, negatives as two’s complement (exact within 2^53)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const bytes = protobuf.Writer.create().int64(v.toString()).finish();
        const { value, next } = readVarint(bytes, 0, bytes.length);
        expect(next).toBe(bytes.length);
        expect(value).toBe(Number(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a number cut short or longer than 10 bytes', () => {
    expect(() => readVarint(Uint8Array.of(0x80, 0x80), 0, 2)).toThrow(WireError);
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0, 11)).toThrow(/longer than 10 bytes/);
  });
});

describe('fields', () => {
  it('walks the fields protobufjs writes, of every wire type', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).int64(-5);
    w.uint32((2 << 3) | 2).string('héllo');
    w.uint32((3 << 3) | 1).double(1.5);
    w.uint32((4 << 3) | 5).float(2.5);
    w.uint32((5 << 3) | 2)
      .fork()
      .int64(3)
      .int64(300)
      .ldelim();
    const bytes = w.finish();
    const got = [...fields(bytes)];
    expect(got.map((f) => [f.field, f.wire])).toEqual([
      [1, 0],
      [2, 2],
      [3, 1],
      [4, 5],
      [5, 2],
    ]);
    expect(got[0]!.value).toBe(-5);
    expect(new TextDecoder().decode(bytes.subarray(got[1]!.start, got[1]!.end))).toBe('héllo');
    expect(new DataView(bytes.buffer, bytes.byteOffset + got[2]!.start).getFloat64(0, true)).toBe(1.5);
    expect(varints(bytes, got[4]!)).toEqual([3, 300]);
  });

  it('refuses lengths past the end, group wire types and field 0', () => {
    expect(() => [...fields(Uint8Array.of(0x0a, 0x05, 1, 2))]).toThrow(/cut short/);
    expect(() => [...fields(Uint8Array.of(0x0b))]).toThrow(/wire type 3/);
    expect(() => [...fields(Uint8Array.of(0x00, 0x01))]).toThrow(WireError);
  });
});

describe('WireWriter', () => {
  it('writes what protobufjs reads: varints, strings, nested messages, framed payloads', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.string(), fc.uint8Array({ maxLength: 300 }), (n, s, payload) => {
        const bytes = concatBytes([
          new WireWriter()
            .varint(1, n)
            .string(2, s)
            .message(3, (m) => m.varint(1, 7))
            .finish(),
          lengthPrefix(4, payload.length),
          payload,
        ]);
        const r = protobuf.Reader.create(bytes);
        expect(r.uint32()).toBe((1 << 3) | 0);
        expect(Number(r.uint64())).toBe(n);
        expect(r.uint32()).toBe((2 << 3) | 2);
        expect(r.string()).toBe(s);
        expect(r.uint32()).toBe((3 << 3) | 2);
        expect(Array.from(r.bytes())).toEqual([8, 7]);
        expect(r.uint32()).toBe((4 << 3) | 2);
        expect(Array.from(r.bytes())).toEqual(Array.from(payload));
        expect(r.pos).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });
});
