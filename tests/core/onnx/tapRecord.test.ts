/** The stored tap choice: a model key from size and both ends of the file, and a checked record. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectModel } from '../../../src/core/onnx/inspectModel.ts';
import { IDENTITY_SPAN, initialTapChoice, makeTapRecord, modelKey, parseTapRecord, sliceableBytes, TapRecordError } from '../../../src/core/onnx/tapRecord.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { vlmFixture } from '../../support/vlmFixtures.ts';

/** The key by its definition, with Node's own SHA-256. */
function referenceKey(bytes: Uint8Array): string {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(bytes.length));
  const head = bytes.subarray(0, Math.min(bytes.length, IDENTITY_SPAN));
  const tail = bytes.subarray(Math.max(head.length, bytes.length - IDENTITY_SPAN));
  return `${bytes.length}-${createHash('sha256').update(size).update(head).update(tail).digest('hex')}`;
}

/** n seeded bytes, four at a time. */
const randomBytes = (n: number, seed: number) => {
  const r = seededRandom(seed);
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(r() * 2 ** 32);
  return new Uint8Array(words.buffer, 0, n);
};

describe('modelKey', () => {
  it('hashes size, first and last MiB, with Node’s SHA-256 as reference, for small and large files', async () => {
    for (const n of [0, 1, 1000, IDENTITY_SPAN, IDENTITY_SPAN + 1, 2 * IDENTITY_SPAN + 5, 3 * IDENTITY_SPAN]) {
      const bytes = randomBytes(n, n + 1);
      expect(await modelKey(sliceableBytes(bytes))).toBe(referenceKey(bytes));
      expect(await modelKey(new Blob([bytes]))).toBe(referenceKey(bytes));
    }
  });

  it('tells apart files that differ at either end or in size, not in the middle (by design)', async () => {
    const bytes = randomBytes(3 * IDENTITY_SPAN, 5);
    const key = await modelKey(sliceableBytes(bytes));
    const changed = (at: number) => {
      const copy = new Uint8Array(bytes);
      copy[at] = copy[at]! ^ 1;
      return modelKey(sliceableBytes(copy));
    };
    expect(await changed(10)).not.toBe(key);
    expect(await changed(bytes.length - 1)).not.toBe(key);
    expect(await changed(Math.floor(bytes.length / 2))).toBe(key);
    expect(await modelKey(sliceableBytes(bytes.subarray(0, bytes.length - 1)))).not.toBe(key);
  });
});

describe('tap records', () => {
  it('round-trip through parseTapRecord', async () => {
    const key = await modelKey(sliceableBytes(randomBytes(100, 1)));
    const record = makeTapRecord(key, 'vision_encoder.onnx', { pre: '/Slice_output_0', post: 'image_features', automatic: true }, 1234);
    expect(parseTapRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
  });

  it('refuse anything else with a TapRecordError naming the field', () => {
    const good = { version: 1, key: `12-${'a'.repeat(64)}`, fileName: 'm.onnx', pre: 'a', post: 'b', automatic: false, savedAt: 1 };
    expect(() => parseTapRecord(null)).toThrow(TapRecordError);
    expect(() => parseTapRecord({ ...good, version: 2 })).toThrow('tap record.version: expected 1, got 2');
    expect(() => parseTapRecord({ ...good, key: 'x' })).toThrow(/tap record.key/);
    expect(() => parseTapRecord({ ...good, pre: '' })).toThrow(/tap record.pre/);
    expect(() => parseTapRecord({ ...good, automatic: 'yes' })).toThrow(/tap record.automatic/);
    fc.assert(
      fc.property(fc.anything(), (v) => {
        try {
          parseTapRecord(v);
        } catch (e) {
          expect(e).toBeInstanceOf(TapRecordError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('initialTapChoice', () => {
  const f = vlmFixture('qwen2vl', 'torchscript');
  const inspection = inspectModel(f.bytes);

  it('opens with the automatic boundary when nothing is stored', () => {
    expect(initialTapChoice(inspection, null)).toEqual({ pre: f.pre, post: f.post, source: 'automatic' });
  });

  it('prefers the stored pick while its tensors exist, and falls back when the model changed', () => {
    const picked = makeTapRecord(`1-${'a'.repeat(64)}`, 'm.onnx', { pre: '/visual/blocks.0/Add_1_output_0', post: f.post, automatic: false });
    expect(initialTapChoice(inspection, picked)).toEqual({ pre: '/visual/blocks.0/Add_1_output_0', post: f.post, source: 'stored' });
    const stale = makeTapRecord(picked.key, 'm.onnx', { pre: 'gone', post: f.post, automatic: false });
    expect(initialTapChoice(inspection, stale)?.source).toBe('automatic');
  });

  it('reads a stored choice that is the automatic boundary as automatic (nothing was picked)', () => {
    const stored = makeTapRecord(`1-${'a'.repeat(64)}`, 'm.onnx', { pre: f.pre, post: f.post, automatic: true });
    expect(initialTapChoice(inspection, stored)).toEqual({ pre: f.pre, post: f.post, source: 'automatic' });
  });

  it('gives nothing when no boundary was found and nothing usable is stored', () => {
    expect(initialTapChoice({ ...inspection, boundary: { found: false, why: 'x' } }, null)).toBeNull();
  });
});
