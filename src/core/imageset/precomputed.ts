/**
 * A reconstruction trained at build time on the bundled image set (scripts/precomputeReconstruction.ts),
 * shipped as public/reconstructions/<packId>.json (beside public/imageset, which `npm run imageset`
 * rebuilds whole) so the first visit shows heatmaps at once, even on a laptop without a GPU. It is
 * outside data to the app: parsed strictly, and only used when the encoder and connector in this
 * browser reproduce the embeddings it was trained on (fingerprints).
 */
import { UserFacingError } from '../errors.ts';

export const PRECOMPUTED_FORMAT = 1;
/**
 * An image's fingerprint: the leading 8 dimensions of its mean-pooled pre-projection embedding,
 * then the leading 8 of its mean-pooled post-projection one, so a different encoder, preprocessing
 * or connector (a retrained pack) all fail the match.
 */
const FINGERPRINT_HALF = 8;
export const FINGERPRINT_DIMS = 2 * FINGERPRINT_HALF;

export interface PrecomputedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface PrecomputedStandardizer {
  readonly dim: number;
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly constantDims: number;
}

export interface PrecomputedReconstruction {
  readonly packId: string;
  /** Image-set file names, in the order of every per-image array below. */
  readonly files: readonly string[];
  /** [files.length, FINGERPRINT_DIMS]. */
  readonly fingerprints: Float32Array;
  readonly tokens: number;
  /** [files.length, tokens] standardised patch MSE. */
  readonly perPatch: Float32Array;
  readonly perImage: Float32Array;
  readonly validationFiles: readonly string[];
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly constantDims: number;
  readonly backend: string;
  readonly architecture: { readonly kind: string; readonly hidden: number; readonly params: number };
  readonly epochs: number;
  readonly seed: number;
  readonly weights: readonly PrecomputedWeight[];
  readonly standardizers: { readonly pre: PrecomputedStandardizer; readonly post: PrecomputedStandardizer };
}

// Float32 arrays travel as base64 of their little-endian bytes: exact, and a third of JSON numbers' size.
export function floatsToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToFloats(text: string): Float32Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function encodePrecomputed(r: PrecomputedReconstruction): unknown {
  const std = (s: PrecomputedStandardizer) => ({ dim: s.dim, mean: floatsToBase64(s.mean), std: floatsToBase64(s.std), constantDims: s.constantDims });
  return {
    format: PRECOMPUTED_FORMAT,
    ...r,
    fingerprints: floatsToBase64(r.fingerprints),
    perPatch: floatsToBase64(r.perPatch),
    perImage: floatsToBase64(r.perImage),
    weights: r.weights.map((w) => ({ name: w.name, shape: w.shape, values: floatsToBase64(w.values) })),
    standardizers: { pre: std(r.standardizers.pre), post: std(r.standardizers.post) },
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** A typed error for anything but a well-formed record whose arrays agree in size. */
export function parsePrecomputed(json: unknown): PrecomputedReconstruction {
  const bad = (what: string) => new UserFacingError(`The precomputed reconstruction is damaged (${what}); train the reconstructor instead.`);
  if (!isObject(json)) throw bad('not a JSON object');
  if (json.format !== PRECOMPUTED_FORMAT) throw bad(`format ${JSON.stringify(json.format)}, expected ${PRECOMPUTED_FORMAT}`);
  const str = (key: string) => {
    const v = json[key];
    if (typeof v !== 'string' || v === '') throw bad(`"${key}" is not a string`);
    return v;
  };
  const count = (v: unknown, key: string) => {
    if (!isCount(v)) throw bad(`"${key}" is not a count`);
    return v;
  };
  const floats = (v: unknown, key: string, length: number) => {
    const out = typeof v === 'string' ? base64ToFloats(v) : null;
    if (!out || out.length !== length) throw bad(`"${key}" does not hold ${length} numbers`);
    return out;
  };
  const numbers = (key: string) => {
    const v = json[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad(`"${key}" is not a list of numbers`);
    return v as number[];
  };
  const strings = (key: string) => {
    const v = json[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`"${key}" is not a list of names`);
    return v as string[];
  };
  const files = strings('files');
  if (files.length === 0 || new Set(files).size !== files.length) throw bad('"files" is empty or repeats a name');
  const n = files.length;
  const tokens = count(json.tokens, 'tokens');
  if (tokens === 0) throw bad('"tokens" is 0');
  const validationFiles = strings('validationFiles');
  const known = new Set(files);
  if (!validationFiles.every((f) => known.has(f))) throw bad('"validationFiles" names an image not in "files"');
  const arch = json.architecture;
  if (!isObject(arch) || typeof arch.kind !== 'string' || !isCount(arch.hidden) || !isCount(arch.params)) throw bad('"architecture" is malformed');
  const weightsJson = json.weights;
  if (!Array.isArray(weightsJson) || weightsJson.length === 0) throw bad('"weights" is empty');
  const weights = weightsJson.map((w: unknown, i) => {
    if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every(isCount)) throw bad(`weight ${i + 1} is malformed`);
    const shape = w.shape as number[];
    return {
      name: w.name,
      shape,
      values: floats(
        w.values,
        `weights[${i}].values`,
        shape.reduce((a, b) => a * b, 1),
      ),
    };
  });
  const standardizer = (v: unknown, key: string): PrecomputedStandardizer => {
    if (!isObject(v)) throw bad(`"${key}" is missing`);
    const dim = count(v.dim, `${key}.dim`);
    return { dim, mean: floats(v.mean, `${key}.mean`, dim), std: floats(v.std, `${key}.std`, dim), constantDims: count(v.constantDims, `${key}.constantDims`) };
  };
  const stds = json.standardizers;
  if (!isObject(stds)) throw bad('"standardizers" is missing');
  const bestEpoch = count(json.bestEpoch, 'bestEpoch');
  if (typeof json.stoppedEarly !== 'boolean') throw bad('"stoppedEarly" is not true or false');
  return {
    packId: str('packId'),
    files,
    fingerprints: floats(json.fingerprints, 'fingerprints', n * FINGERPRINT_DIMS),
    tokens,
    perPatch: floats(json.perPatch, 'perPatch', n * tokens),
    perImage: floats(json.perImage, 'perImage', n),
    validationFiles,
    trainLoss: numbers('trainLoss'),
    valLoss: numbers('valLoss'),
    bestEpoch,
    stoppedEarly: json.stoppedEarly,
    constantDims: count(json.constantDims, 'constantDims'),
    backend: str('backend'),
    architecture: { kind: arch.kind, hidden: arch.hidden, params: arch.params },
    epochs: count(json.epochs, 'epochs'),
    seed: count(json.seed, 'seed'),
    weights,
    standardizers: { pre: standardizer(stds.pre, 'standardizers.pre'), post: standardizer(stds.post, 'standardizers.post') },
  };
}

export function fingerprintOf(pooledPre: ArrayLike<number>, pooledPost: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: FINGERPRINT_DIMS }, (_, i) => (i < FINGERPRINT_HALF ? pooledPre[i] : pooledPost[i - FINGERPRINT_HALF]) ?? Number.NaN);
}

/** A collection image as the match sees it: its name, and its pooled vectors once embedded here (null before). */
export interface PrecomputedCandidate {
  readonly id: string;
  readonly name: string;
  readonly pooled: { readonly pre: ArrayLike<number>; readonly post: ArrayLike<number> } | null;
}

/**
 * Which collection image each record row belongs to, if every record image is in the collection
 * with embeddings that match its fingerprint (relative 1e-3: WASM vs WebGPU vs Node float
 * differences pass, a different encoder or preprocessing does not). Returns the ids in record
 * order, or why it does not apply.
 */
export function matchPrecomputed(
  record: Pick<PrecomputedReconstruction, 'files' | 'fingerprints'>,
  images: readonly PrecomputedCandidate[],
): { readonly ids: string[] } | { readonly mismatch: string } {
  const so = matchPrecomputedSoFar(record, images);
  if ('mismatch' in so) return so;
  if (so.checked < record.files.length) return { mismatch: `${record.files[so.firstUnchecked]} is not embedded` };
  return { ids: so.ids };
}

/**
 * The same check on the images embedded so far (an image not embedded yet is not a mismatch):
 * every record image must be in the collection, and each one embedded must match. `checked`
 * counts those compared; `firstUnchecked` is the first record row not compared (its length when
 * all were).
 */
export function matchPrecomputedSoFar(
  record: Pick<PrecomputedReconstruction, 'files' | 'fingerprints'>,
  images: readonly PrecomputedCandidate[],
): { readonly ids: string[]; readonly checked: number; readonly firstUnchecked: number } | { readonly mismatch: string } {
  const byName = new Map(images.map((i) => [i.name, i] as const));
  const ids: string[] = [];
  let checked = 0;
  let firstUnchecked = record.files.length;
  for (let row = 0; row < record.files.length; row++) {
    const file = record.files[row]!;
    const image = byName.get(file);
    if (!image) return { mismatch: `${file} is not in the collection` };
    ids.push(image.id);
    if (!image.pooled) {
      firstUnchecked = Math.min(firstUnchecked, row);
      continue;
    }
    const print = fingerprintOf(image.pooled.pre, image.pooled.post);
    for (let d = 0; d < FINGERPRINT_DIMS; d++) {
      const want = record.fingerprints[row * FINGERPRINT_DIMS + d]!;
      const got = print[d]!;
      if (!(Math.abs(got - want) <= 1e-3 * (1 + Math.abs(want))))
        return { mismatch: `${file}'s embedding differs from the one it was trained on (dimension ${d}: ${got} vs ${want})` };
    }
    checked++;
  }
  return { ids, checked, firstUnchecked };
}
