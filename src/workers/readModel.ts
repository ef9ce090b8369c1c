/**
 * Reading model files inside a worker, each hashed in the same pass (core/identity): a graph's
 * bytes, optionally with room after them for a tap (readWithRoom, so a tap costs no second copy),
 * and the side files of weights a graph names, checked before ONNX Runtime sees the model. Shared
 * by the tap worker (inspection) and the inference worker (packs, and stock exports opened tapped).
 */
import { contentHasher } from '../core/identity/contentHash.ts';
import type { FileDigest } from '../core/identity/modelIdentity.ts';
import { checkExternalData, externalDataRefs } from '../core/onnx/externalData.ts';
import { readWithRoom, type ByteSource, type RoomyBytes } from '../core/onnx/readWithRoom.ts';
import type { ExternalDataFile } from '../ml/ort.ts';
import type { ModelSource } from './protocol.ts';

export interface ReadModel extends RoomyBytes {
  /** The Blob the bytes came from (for the tap record's key); null for bytes in memory. */
  readonly blob: Blob | null;
  readonly digest: FileDigest;
}

async function hashedRead(source: ByteSource, name: string, room: number): Promise<RoomyBytes & { digest: FileDigest }> {
  const hasher = await contentHasher();
  const read = await readWithRoom(source, room, hasher);
  return { ...read, digest: { name, bytes: read.length, hash: hasher.digest() } };
}

/** A model file's bytes, with `room` spare bytes after them, and its digest. */
export async function readModelSource(source: ModelSource, name: string, room = 0): Promise<ReadModel> {
  if (source.kind === 'file') return { ...(await hashedRead(source.file, name, room)), blob: source.file };
  if (source.kind === 'bytes') {
    const blob = new Blob([source.bytes as BlobPart]);
    return { ...(await hashedRead(blob, name, room)), blob: null };
  }
  const response = await fetch(source.url);
  if (!response.ok) throw new Error(`could not read ${source.url} (HTTP ${response.status})`);
  const blob = await response.blob();
  return { ...(await hashedRead(blob, name, room)), blob };
}

/** The side files of weights a graph names (read from its untapped bytes), checked and hashed; only a user's files can have them. */
export async function readExternalData(
  source: ModelSource,
  model: Uint8Array,
): Promise<{ readonly files: ExternalDataFile[]; readonly digests: FileDigest[] }> {
  if (source.kind !== 'file') return { files: [], digests: [] };
  const refs = externalDataRefs(model, source.name);
  checkExternalData(source.name, refs, new Map(source.siblings.map((s) => [s.name, s.file.size])));
  const read = await Promise.all(refs.map((ref) => hashedRead(source.siblings.find((s) => s.name === ref.location)!.file, ref.location, 0)));
  return { files: read.map((r) => ({ path: r.digest.name, data: r.buffer.subarray(0, r.length) })), digests: read.map((r) => r.digest) };
}
