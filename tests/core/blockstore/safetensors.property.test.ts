/**
 * Properties of the safetensors reader and writer: anything written reads back (names, shapes,
 * metadata, values bit for bit in F32 and as rounded in F16) in the reference's order; and any
 * damage to a valid file — every truncation, overwritten bytes anywhere, a cut-out range — gives
 * either a header whose tensors lie inside the file and cover its data exactly, or a
 * UserFacingError that names the file. Never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/core/errors.ts';
import { float32ToHalfBits, halfBitsToFloat32 } from '../../../src/core/onnx/float16.ts';
import {
  headerByteLength,
  isFloatDtype,
  parseSafetensorsHeader,
  readTensorAsFloat32,
  type SafetensorsHeader,
  type TensorToWrite,
  writeSafetensors,
} from '../../../src/core/blockstore/safetensors.ts';

const RUNS = 1000;
const FILE = 'post-block-0042.safetensors';

const tricky = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '/', 'a', 'B', '.', 'é', '😀', '\uff41', '\u2028', ' ');
const name = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: tricky, maxLength: 6 })).filter((s) => s !== '__metadata__');
const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const tensor: fc.Arbitrary<TensorToWrite> = fc.tuple(name, fc.constantFrom('F32' as const, 'F16' as const), shape).chain(([tensorName, dtype, dims]) => {
  const n = dims.reduce((a, b) => a * b, 1);
  // Any float32: NaN, infinities, -0 and subnormals included.
  return fc.array(fc.float(), { minLength: n, maxLength: n }).map((values) => ({ name: tensorName, dtype, shape: dims, data: Float32Array.from(values) }));
});
const tensors = fc.uniqueArray(tensor, { maxLength: 5, selector: (t) => t.name });
const metadata = fc.option(fc.dictionary(fc.string({ unit: tricky, maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 6 }), { maxKeys: 3 }), {
  nil: undefined,
});

/** Reference order: F32 before F16, then names by UTF-8 bytes (Buffer.compare, not this module's code). */
function referenceOrder(list: readonly TensorToWrite[]): string[] {
  return [...list]
    .sort((a, b) => (a.dtype === b.dtype ? Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')) : a.dtype === 'F32' ? -1 : 1))
    .map((t) => t.name);
}

/** A plain check: the loops below run it hundreds of thousands of times, too often for expect(). */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`broken promise: ${what}`);
}

/** Header first, then every tensor, as the app reads a file; checks what an accepted header promises. */
function readAll(bytes: Uint8Array): SafetensorsHeader {
  const n = headerByteLength(bytes.subarray(0, 8), bytes.length, FILE);
  const header = parseSafetensorsHeader(bytes.subarray(0, 8 + n), bytes.length, FILE);
  check(header.dataStart + header.dataLength === bytes.length, 'the data section ends where the file does');
  let covered = 0;
  for (const t of header.tensors) {
    check(
      t.begin === covered && t.begin <= t.end && t.end <= header.dataLength,
      `tensor ${JSON.stringify(t.name)} [${t.begin}, ${t.end}) follows the previous one inside the data`,
    );
    covered = t.end;
    if (isFloatDtype(t.dtype))
      check(
        readTensorAsFloat32(bytes.subarray(header.dataStart + t.begin, header.dataStart + t.end), t.dtype, t.count).length === t.count,
        'every value is read',
      );
  }
  check(covered === header.dataLength, 'the tensors cover the data');
  return header;
}

/** 'ok', or 'refused' for a UserFacingError naming the file; anything else is thrown on. */
function outcome(bytes: Uint8Array): 'ok' | 'refused' {
  try {
    readAll(bytes);
    return 'ok';
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    check(error.message.includes(FILE), `the message names the file: ${error.message}`);
    return 'refused';
  }
}

describe('safetensors round trip', () => {
  it('reads back every tensor and the metadata, in the reference order', () => {
    fc.assert(
      fc.property(tensors, metadata, (list, meta) => {
        const file = writeSafetensors(list, meta);
        const header = readAll(file);
        expect(header.dataStart % 8).toBe(0);
        expect(header.metadata).toEqual(meta === undefined ? null : { ...meta });
        expect(header.tensors.filter((t) => t.end > t.begin).map((t) => t.name)).toEqual(
          referenceOrder(list).filter((n) => list.find((t) => t.name === n)!.data.length > 0),
        );
        for (const t of list) {
          const found = header.tensors.find((h) => h.name === t.name)!;
          expect(found.dtype).toBe(t.dtype);
          expect(found.shape).toEqual(t.shape);
          const got = readTensorAsFloat32(file.subarray(header.dataStart + found.begin, header.dataStart + found.end), t.dtype, found.count);
          if (t.dtype === 'F32') expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
          else expect(got).toEqual(halfBitsToFloat32(float32ToHalfBits(t.data)));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('damaged files', () => {
  const small = fc
    .tuple(fc.uniqueArray(tensor, { minLength: 1, maxLength: 3, selector: (t) => t.name }), metadata)
    .map(([list, meta]) => writeSafetensors(list, meta));

  it('refuses every strict truncation of a valid file, naming the file', () => {
    fc.assert(
      fc.property(small, (file) => {
        expect(outcome(file)).toBe('ok');
        for (let cut = 0; cut < file.length; cut++) check(outcome(file.subarray(0, cut)) === 'refused', `a cut at ${cut} of ${file.length} bytes is refused`);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a valid header or a UserFacingError for overwritten bytes anywhere; bytes changed only in the data never matter', () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(small, edits, (file, changes) => {
        const damaged = file.slice();
        for (const [at, value] of changes) damaged[at % damaged.length] = value;
        const result = outcome(damaged);
        const dataStart = 8 + Number(new DataView(file.buffer).getBigUint64(0, true));
        if (changes.every(([at]) => at % file.length >= dataStart)) expect(result).toBe('ok');
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a valid header or a UserFacingError for a range cut out, or random bytes put in', () => {
    fc.assert(
      fc.property(small, fc.nat(), fc.nat({ max: 40 }), fc.uint8Array({ maxLength: 12 }), (file, start, length, inserted) => {
        const at = start % (file.length + 1);
        const damaged = new Uint8Array([...file.subarray(0, at), ...inserted, ...file.subarray(Math.min(file.length, at + length))]);
        outcome(damaged);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a valid header or a UserFacingError for random bytes behind a plausible header length', () => {
    fc.assert(
      fc.property(fc.nat({ max: 64 }), fc.uint8Array({ maxLength: 96 }), (declared, rest) => {
        const bytes = new Uint8Array(8 + rest.length);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(declared), true);
        bytes.set(rest, 8);
        outcome(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});
