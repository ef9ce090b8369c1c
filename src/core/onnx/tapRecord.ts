/**
 * The tap a user chose for a model, kept so the model reopens tapped. A model is known by its size
 * and a SHA-256 of its first and last MiB: enough to tell exports apart without hashing hundreds
 * of MB on every open (weights differ throughout a file, and its graph sits at the start).
 * Storage (IndexedDB in the app) is the caller's; this module makes and checks the records.
 */
import { UserFacingError } from '../errors.ts';
import type { ModelInspection } from './inspectModel.ts';

/** Bytes hashed at each end of the file. */
export const IDENTITY_SPAN = 1 << 20;

/** Something with a size whose byte ranges can be read: a File, a Blob, or bytes in memory. */
export interface Sliceable {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export interface TapRecord {
  readonly version: 1;
  /** modelKey() of the model file. */
  readonly key: string;
  /** For people: the file name when the choice was made. */
  readonly fileName: string;
  /** The tensor read as pre-projection tokens. */
  readonly pre: string;
  /** The tensor read as post-projection tokens. */
  readonly post: string;
  /** True when findConnectorBoundary chose it, false when the user picked from the list. */
  readonly automatic: boolean;
  /** When the choice was made (ms since 1970). */
  readonly savedAt: number;
}

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * "<size>-<sha256 hex>" over the 8-byte little-endian size, the first MiB and the last MiB (the
 * two ranges do not overlap: a file under 2 MiB is hashed whole, once).
 */
export async function modelKey(file: Sliceable): Promise<string> {
  const size = file.size;
  const headEnd = Math.min(size, IDENTITY_SPAN);
  const tailStart = Math.max(headEnd, size - IDENTITY_SPAN);
  const [head, tail] = await Promise.all([file.slice(0, headEnd).arrayBuffer(), file.slice(tailStart, size).arrayBuffer()]);
  const message = new Uint8Array(8 + head.byteLength + tail.byteLength);
  new DataView(message.buffer).setBigUint64(0, BigInt(size), true);
  message.set(new Uint8Array(head), 8);
  message.set(new Uint8Array(tail), 8 + head.byteLength);
  return `${size}-${hex(await crypto.subtle.digest('SHA-256', message))}`;
}

/** Bytes in memory as a Sliceable, for modelKey. */
export function sliceableBytes(bytes: Uint8Array): Sliceable {
  return {
    size: bytes.length,
    slice: (start, end) => ({ arrayBuffer: async () => bytes.slice(start, end).buffer }),
  };
}

export function makeTapRecord(
  key: string,
  fileName: string,
  choice: { readonly pre: string; readonly post: string; readonly automatic: boolean },
  savedAt = Date.now(),
): TapRecord {
  return { version: 1, key, fileName, pre: choice.pre, post: choice.post, automatic: choice.automatic, savedAt };
}

/** A stored record that does not have the expected form. */
export class TapRecordError extends UserFacingError {}

const KEY = /^\d{1,16}-[0-9a-f]{64}$/;

/** Check a record read back from storage (outside data: another version may have written it). */
export function parseTapRecord(value: unknown): TapRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TapRecordError('tap record: expected an object');
  const r = value as Record<string, unknown>;
  const fail = (field: string, expected: string) =>
    new TapRecordError(`tap record.${field}: expected ${expected}, got ${JSON.stringify(r[field]) ?? 'nothing'}`);
  if (r.version !== 1) throw fail('version', '1');
  if (typeof r.key !== 'string' || !KEY.test(r.key)) throw fail('key', 'a model key "<size>-<64 hex digits>"');
  if (typeof r.fileName !== 'string') throw fail('fileName', 'a string');
  if (typeof r.pre !== 'string' || r.pre === '') throw fail('pre', 'a tensor name');
  if (typeof r.post !== 'string' || r.post === '') throw fail('post', 'a tensor name');
  if (typeof r.automatic !== 'boolean') throw fail('automatic', 'true or false');
  if (typeof r.savedAt !== 'number' || !Number.isFinite(r.savedAt)) throw fail('savedAt', 'a time in ms');
  return { version: 1, key: r.key, fileName: r.fileName, pre: r.pre, post: r.post, automatic: r.automatic, savedAt: r.savedAt };
}

export interface InitialTapChoice {
  readonly pre: string;
  readonly post: string;
  /** Where it came from: the user's stored pick, or the automatic boundary. */
  readonly source: 'stored' | 'automatic';
}

/**
 * What a model opens with: the stored choice when both its tensors still exist in the graph,
 * else the automatic boundary when one was found, else nothing (the user picks). A stored choice
 * that is the automatic boundary anyway reads as automatic: nothing was picked.
 */
export function initialTapChoice(inspection: Pick<ModelInspection, 'boundary' | 'candidates' | 'outputs'>, stored: TapRecord | null): InitialTapChoice | null {
  const known = new Set([...inspection.candidates.map((c) => c.name), ...inspection.outputs.map((o) => o.name)]);
  const b = inspection.boundary;
  const automatic = b.found && b.post !== null ? { pre: b.tensor, post: b.post } : null;
  if (stored && known.has(stored.pre) && known.has(stored.post)) {
    const same = automatic !== null && automatic.pre === stored.pre && automatic.post === stored.post;
    return { pre: stored.pre, post: stored.post, source: same ? 'automatic' : 'stored' };
  }
  return automatic && { ...automatic, source: 'automatic' };
}
