/**
 * Reading a single-file model inside a worker: its bytes with room after them for a tap
 * (readWithRoom, so a tap costs no second copy), and the side files of weights a model names,
 * checked before ONNX Runtime sees the model. Shared by the tap worker (inspection) and the
 * inference worker (packs, and stock exports opened tapped).
 */
import { checkExternalData, externalDataRefs } from '../core/onnx/externalData.ts';
import { readWithRoom, type RoomyBytes } from '../core/onnx/readWithRoom.ts';
import type { ExternalDataFile } from '../ml/ort.ts';
import type { ModelSource } from './protocol.ts';

/** The model's bytes with room after them, and the Blob they came from (for its key); null for bytes. */
export async function readModelWithRoom(source: ModelSource): Promise<RoomyBytes & { readonly blob: Blob | null }> {
  if (source.kind === 'file') return { ...(await readWithRoom(source.file)), blob: source.file };
  if (source.kind === 'bytes') return { buffer: source.bytes, length: source.bytes.length, blob: null };
  const response = await fetch(source.url);
  if (!response.ok) throw new Error(`could not read ${source.url} (HTTP ${response.status})`);
  const blob = await response.blob();
  return { ...(await readWithRoom(blob)), blob };
}

/** Side files of weights the model names (read from the untapped bytes), checked; only a user's files can have them. */
export async function readExternalData(source: ModelSource, model: Uint8Array): Promise<ExternalDataFile[]> {
  if (source.kind !== 'file') return [];
  const refs = externalDataRefs(model, source.name);
  checkExternalData(source.name, refs, new Map(source.siblings.map((s) => [s.name, s.file.size])));
  return Promise.all(refs.map(async (ref) => ({ path: ref.location, data: new Uint8Array(await source.siblings.find((s) => s.name === ref.location)!.file.arrayBuffer()) })));
}
