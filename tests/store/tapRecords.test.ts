/** Tap choices survive a reload (an in-memory IndexedDB) and a damaged record reads as none. */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { makeTapRecord, modelKey, sliceableBytes } from '../../src/core/onnx/tapRecord.ts';
import { forgetTapRecord, loadTapRecord, saveTapRecord } from '../../src/store/tapRecords.ts';
import { vlmFixture } from '../support/vlmFixtures.ts';

describe('tap records in IndexedDB', () => {
  it('stores, finds by model key, replaces and forgets the choice', async () => {
    const f = vlmFixture('llava', 'builder');
    const key = await modelKey(sliceableBytes(f.bytes));
    expect(await loadTapRecord(key)).toBeNull();
    const record = makeTapRecord(key, 'vision_encoder.onnx', { pre: f.pre, post: f.post, automatic: true }, 10);
    await saveTapRecord(record);
    expect(await loadTapRecord(key)).toEqual(record);
    const picked = makeTapRecord(key, 'vision_encoder.onnx', { pre: 'other', post: f.post, automatic: false }, 20);
    await saveTapRecord(picked);
    expect(await loadTapRecord(key)).toEqual(picked);
    await forgetTapRecord(key);
    expect(await loadTapRecord(key)).toBeNull();
  });

  it('drops a record another version wrote in another form', async () => {
    const key = `5-${'0'.repeat(64)}`;
    const raw = await openDB('connector-lens-taps', 1);
    await raw.put('taps', { key, version: 9, pre: 1 });
    raw.close();
    expect(await loadTapRecord(key)).toBeNull();
    const again = await openDB('connector-lens-taps', 1);
    expect(await again.get('taps', key)).toBeUndefined();
    again.close();
  });
});
