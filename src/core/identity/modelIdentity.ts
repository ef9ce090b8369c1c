/**
 * A model's identity for its results: embeddings, neighbour sets and reconstructions are filed
 * under a key made from every byte that decides them, never from a name or a file size. Two
 * packs with the same id and file sizes but other weights, or another mean/std/resample, get
 * different keys, so neither ever shows the other's stored results.
 *
 * What goes in:
 * - pack: the manifest's fields that change numbers (image, tokens, connector, preprocess, io;
 *   not its id, name, description or licence) and the hash and length of each graph and
 *   external-weight file;
 * - stock export: the encoder file and its weight files, the tap (which tensors are read), and
 *   config.json and preprocessor_config.json as parsed JSON;
 * - both: ANALYSIS_VERSION, raised whenever the app's own preprocessing or pooling changes what
 *   a model yields, so results from older code are not restored either.
 */
import type { PackManifest } from '../types.ts';
import { canonicalJson, hashText, isContentHash, type ContentHash } from './contentHash.ts';

/** Raise when the app's preprocessing, token handling or pooling changes what a model yields. */
export const ANALYSIS_VERSION = 1;

declare const brand: unique symbol;
/** "m1-" and 64 hex digits. */
export type ModelKey = string & { readonly [brand]: 'ModelKey' };

const MODEL_KEY = /^m1-[0-9a-f]{64}$/;
export const isModelKey = (s: unknown): s is ModelKey => typeof s === 'string' && MODEL_KEY.test(s);

/** One file as it was read: its name (for people), length and content hash. */
export interface FileDigest {
  readonly name: string;
  readonly bytes: number;
  readonly hash: ContentHash;
}

async function keyOf(parts: unknown): Promise<ModelKey> {
  return `m1-${await hashText(canonicalJson({ analysisVersion: ANALYSIS_VERSION, ...(parts as object) }))}` as ModelKey;
}

// The name is for people; the content is what counts.
const fileContent = (f: FileDigest) => {
  if (!isContentHash(f.hash)) throw new RangeError(`fileContent: ${f.name} has no content hash`);
  return { bytes: f.bytes, hash: f.hash };
};

/** What in a manifest changes the numbers. */
export function manifestResultFields(m: PackManifest): unknown {
  return { image: m.image, tokens: m.tokens, connector: m.connector, preprocess: m.preprocess, io: m.io };
}

export function packModelKey(
  manifest: PackManifest,
  files: {
    readonly encoder: FileDigest;
    readonly connector: FileDigest;
    readonly encoderWeights: readonly FileDigest[];
    readonly connectorWeights: readonly FileDigest[];
  },
): Promise<ModelKey> {
  // External files are keyed by the name the graph uses: moving bytes between two side files is another model.
  const weights = (list: readonly FileDigest[]) => list.map((f) => ({ location: f.name, ...fileContent(f) }));
  return keyOf({
    kind: 'pack',
    manifest: manifestResultFields(manifest),
    encoder: fileContent(files.encoder),
    connector: fileContent(files.connector),
    encoderWeights: weights(files.encoderWeights),
    connectorWeights: weights(files.connectorWeights),
  });
}

export function stockModelKey(input: {
  readonly encoder: FileDigest;
  readonly weights: readonly FileDigest[];
  readonly tap: { readonly pre: string; readonly post: string };
  readonly config: unknown;
  readonly preprocessorConfig: unknown;
}): Promise<ModelKey> {
  return keyOf({
    kind: 'stock',
    encoder: fileContent(input.encoder),
    weights: input.weights.map((f) => ({ location: f.name, ...fileContent(f) })),
    tap: { pre: input.tap.pre, post: input.tap.post },
    config: input.config ?? null,
    preprocessorConfig: input.preprocessorConfig,
  });
}

/**
 * A block store opened as the "model": its vectors are the results, so its key is the content of
 * every block file (BLAKE3 over names and digests, computed as the files are read).
 */
export function blockStoreModelKey(storeDigest: string): Promise<ModelKey> {
  if (!isContentHash(storeDigest)) throw new RangeError('blockStoreModelKey: the store digest is not a content hash');
  return keyOf({ kind: 'block-store', digest: storeDigest });
}
