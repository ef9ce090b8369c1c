/**
 * The protobuf wire format, read and written by hand for the few ONNX fields the graph summary
 * and the tapper need. A full decode (protobufjs) builds an object for every message of the
 * model; this reader walks field headers in place and steps over payloads it does not need,
 * so a 300 MB model's weights are never touched, copied or decoded.
 */
import { UserFacingError } from '../errors.ts';

/** Bytes that are not a well-formed protobuf message (cut short, impossible header or length). */
export class WireError extends UserFacingError {}

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** One field of a message: its number, wire type, and where its payload lies in the buffer. */
export interface WireField {
  readonly field: number;
  readonly wire: number;
  /** VARINT: the value (int64 as a JS number, negative when the top bit is set); otherwise 0. */
  readonly value: number;
  /** The payload: for LEN its bytes, for FIXED32/64 its 4/8 bytes, for VARINT the varint itself. */
  readonly start: number;
  readonly end: number;
  /** Where the field's tag starts: bytes[at, end) is the whole field, as written. */
  readonly at: number;
}

/** A varint at `pos`: its value as a JS number (exact below 2^53) and the position after it. */
export function readVarint(bytes: Uint8Array, pos: number, end: number): { readonly value: number; readonly next: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw new WireError('the model file is cut short (a number runs past the end)');
    const b = bytes[pos + i]!;
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (7 * i - 32);
    if (b < 0x80) {
      lo >>>= 0;
      hi >>>= 0;
      // int64 fields (dims, ints) are two's complement on the wire.
      const value = hi >= 0x80000000 ? (hi - 0x100000000) * 0x100000000 + lo : hi * 0x100000000 + lo;
      return { value, next: pos + i + 1 };
    }
  }
  throw new WireError('the model file is damaged (a number is longer than 10 bytes)');
}

/** The fields of the message in bytes[start, end), in file order; payloads are located, not read. */
export function* fields(bytes: Uint8Array, start = 0, end = bytes.length): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const at = pos;
    const key = readVarint(bytes, pos, end);
    pos = key.next;
    // A key is a uint32; a negative or huge "key" is garbage, not a field.
    if (key.value < 8 || key.value > 0xffffffff) throw new WireError(`the model file is damaged (field header ${key.value} at byte ${pos})`);
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (wire === VARINT) {
      const v = readVarint(bytes, pos, end);
      yield { field, wire, value: v.value, start: pos, end: v.next, at };
      pos = v.next;
    } else if (wire === LEN) {
      const len = readVarint(bytes, pos, end);
      if (len.value < 0 || len.value > end - len.next)
        throw new WireError(`the model file is cut short or damaged (a ${len.value}-byte field at byte ${len.next}, ${end - len.next} bytes left)`);
      yield { field, wire, value: 0, start: len.next, end: len.next + len.value, at };
      pos = len.next + len.value;
    } else if (wire === FIXED64 || wire === FIXED32) {
      const size = wire === FIXED64 ? 8 : 4;
      if (size > end - pos) throw new WireError('the model file is cut short (a fixed-size number runs past the end)');
      yield { field, wire, value: 0, start: pos, end: pos + size, at };
      pos += size;
    } else {
      // Groups (3, 4) are not used by ONNX; 6 and 7 do not exist.
      throw new WireError(`the model file is damaged (wire type ${wire} at byte ${pos})`);
    }
  }
}

const utf8 = new TextDecoder('utf-8');

/** A LEN field's payload as text (invalid UTF-8 becomes U+FFFD, as protobufjs does). */
export function text(bytes: Uint8Array, f: WireField): string {
  if (f.wire !== LEN) throw new WireError(`the model file is damaged (field ${f.field} should be text)`);
  return utf8.decode(bytes.subarray(f.start, f.end));
}

/** Integers of a repeated int64/int32 field: packed (one LEN field) or one VARINT field each. */
export function varints(bytes: Uint8Array, f: WireField): number[] {
  if (f.wire === VARINT) return [f.value];
  if (f.wire !== LEN) throw new WireError(`the model file is damaged (field ${f.field} should hold integers)`);
  const out: number[] = [];
  for (let pos = f.start; pos < f.end;) {
    const v = readVarint(bytes, pos, f.end);
    out.push(v.value);
    pos = v.next;
  }
  return out;
}

function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: ${value} is not a non-negative safe integer`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The tag and length of a LEN field, to frame a payload that is already encoded (or streamed). */
export function lengthPrefix(field: number, length: number): Uint8Array {
  const out: number[] = [];
  pushVarint(out, field * 8 + LEN);
  pushVarint(out, length);
  return Uint8Array.from(out);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes the few small messages the tapper appends (and fixtures' node metadata). */
export class WireWriter {
  private readonly parts: number[] = [];

  varint(field: number, value: number): this {
    this.tag(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, payload: Uint8Array): this {
    this.tag(field, LEN);
    this.rawVarint(payload.length);
    for (const b of payload) this.parts.push(b);
    return this;
  }

  message(field: number, write: (w: WireWriter) => void): this {
    const inner = new WireWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private tag(field: number, wire: number): void {
    pushVarint(this.parts, field * 8 + wire);
  }

  private rawVarint(value: number): void {
    pushVarint(this.parts, value);
  }
}
