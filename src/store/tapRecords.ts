/**
 * Stored tap choices, so a model reopens tapped: one record per model key (core/onnx/tapRecord.ts)
 * in an IndexedDB database of its own (its schema evolves apart from the session's).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { parseTapRecord, type TapRecord } from '../core/onnx/tapRecord.ts';

interface TapDb extends DBSchema {
  taps: { key: string; value: TapRecord };
}

let db: Promise<IDBPDatabase<TapDb>> | null = null;
function database(): Promise<IDBPDatabase<TapDb>> {
  db ??= openDB<TapDb>('connector-lens-taps', 1, {
    upgrade(d) {
      d.createObjectStore('taps', { keyPath: 'key' });
    },
  });
  return db;
}

/** The choice stored for this model, or null; a record that no longer reads is dropped. */
export async function loadTapRecord(key: string): Promise<TapRecord | null> {
  const d = await database();
  const stored: unknown = await d.get('taps', key);
  if (stored === undefined) return null;
  try {
    return parseTapRecord(stored);
  } catch {
    await d.delete('taps', key);
    return null;
  }
}

export async function saveTapRecord(record: TapRecord): Promise<void> {
  await (await database()).put('taps', record);
}

export async function forgetTapRecord(key: string): Promise<void> {
  await (await database()).delete('taps', key);
}
