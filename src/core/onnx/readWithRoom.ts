/**
 * Read a model file into a buffer a little longer than the file, so that a tap (tap.ts) can be
 * written after it without copying hundreds of MB: peak memory stays at one file plus one chunk,
 * where File.arrayBuffer() followed by a joined copy would hold two files at once.
 */
import type { ContentHasher } from '../identity/contentHash.ts';
import { TAP_ROOM } from './tap.ts';

/** What a File or Blob offers (in browsers, workers and Node 18+). */
export interface ByteSource {
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface RoomyBytes {
  /** buffer[0, length) is the file; the rest is room for a suffix. */
  readonly buffer: Uint8Array;
  readonly length: number;
}

/** `hasher`, when given, is fed every byte as it arrives: the file's identity costs no second read. */
export async function readWithRoom(source: ByteSource, room = TAP_ROOM, hasher?: ContentHasher): Promise<RoomyBytes> {
  const buffer = new Uint8Array(source.size + room);
  let length = 0;
  const reader = source.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // A file that grew while being read: keep what fits, the graph reader will say if it is cut.
    const take = Math.min(value.length, source.size - length);
    const chunk = value.subarray(0, take);
    buffer.set(chunk, length);
    hasher?.update(chunk);
    length += take;
    if (take < value.length) {
      await reader.cancel();
      break;
    }
  }
  return { buffer, length };
}
