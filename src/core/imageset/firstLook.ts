/**
 * The first look: the bundled image set's mean-pooled embeddings under a built-in pack, computed
 * at build time (scripts/precomputeFirstLook.ts) and shipped as public/first-look/<packId>.json,
 * so a first visit shows KNOR, the neighbour grids and the maps within a second or two instead of
 * after the whole set went through the encoder in this browser (15-20 s on WASM).
 *
 * It is outside data to the app, so it is parsed strictly, and it is only ever provisional: it
 * applies when the collection holds exactly the images it was made from (matched by content hash,
 * never by file name) under the model whose content key it names; the live embedding still runs,
 * replaces it, and is compared with it (largest difference of any pooled value, per image).
 */
import { UserFacingError } from '../errors.ts';
import { base64ToFloats, floatsToBase64 } from './precomputed.ts';

export const FIRST_LOOK_FORMAT = 1;

export interface FirstLookRecord {
  readonly packId: string;
  /** The content key (core/identity/modelIdentity.ts) of the pack the vectors came from. */
  readonly modelKey: string;
  /** Image-set file names, for people (messages); rows are matched by `contentHashes`. */
  readonly files: readonly string[];
  /** The content hash (BLAKE3, core/identity/contentHash.ts) of each image file's bytes, as the collection's contentHash; row order. */
  readonly contentHashes: readonly string[];
  readonly dPre: number;
  readonly dPost: number;
  /** [files.length, dPre] and [files.length, dPost], row-major. */
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
}

export function encodeFirstLook(r: FirstLookRecord): unknown {
  return { format: FIRST_LOOK_FORMAT, ...r, pooledPre: floatsToBase64(r.pooledPre), pooledPost: floatsToBase64(r.pooledPost) };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;
/** Wide enough for any real encoder; a larger number is damage, not a model. */
const MAX_DIM = 65_536;

/** A typed error for anything but a well-formed record whose arrays agree in size. */
export function parseFirstLook(json: unknown): FirstLookRecord {
  const bad = (what: string) =>
    new UserFacingError(`The precomputed first-look data is damaged (${what}); the results will appear once this browser has embedded the images.`);
  if (!isObject(json)) throw bad('not a JSON object');
  if (json.format !== FIRST_LOOK_FORMAT) throw bad(`format ${JSON.stringify(json.format)}, expected ${FIRST_LOOK_FORMAT}`);
  const text = (key: string) => {
    const v = json[key];
    if (typeof v !== 'string' || v === '') throw bad(`"${key}" is not a string`);
    return v;
  };
  const names = (key: string) => {
    const v = json[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) throw bad(`"${key}" is not a list of names`);
    return v as string[];
  };
  const dim = (key: string) => {
    const v = json[key];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_DIM) throw bad(`"${key}" is not a width between 1 and ${MAX_DIM}`);
    return v as number;
  };
  const files = names('files');
  const contentHashes = names('contentHashes');
  if (contentHashes.length !== files.length) throw bad(`${contentHashes.length} content hashes for ${files.length} files`);
  if (!contentHashes.every((h) => HEX64.test(h))) throw bad('a content hash is not 64 hex digits');
  if (new Set(contentHashes).size !== contentHashes.length) throw bad('two rows have the same image');
  const dPre = dim('dPre');
  const dPost = dim('dPost');
  const floats = (key: string, length: number) => {
    const v = json[key];
    const out = typeof v === 'string' ? base64ToFloats(v) : null;
    if (!out || out.length !== length) throw bad(`"${key}" does not hold ${length} numbers`);
    if (!out.every(Number.isFinite)) throw bad(`"${key}" holds a value that is not a finite number`);
    return out;
  };
  return {
    packId: text('packId'),
    modelKey: text('modelKey'),
    files,
    contentHashes,
    dPre,
    dPost,
    pooledPre: floats('pooledPre', files.length * dPre),
    pooledPost: floats('pooledPost', files.length * dPost),
  };
}

export interface FirstLookMatch {
  /** Collection ids, in collection order. */
  readonly ids: readonly string[];
  /** The record's vectors in the order of `ids`: [ids.length, dPre] and [ids.length, dPost]. */
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
}

/**
 * The record's vectors in collection order, when the collection holds exactly its images (by
 * content: a renamed file still matches, another file under a bundled name does not); otherwise
 * why it does not apply, for people.
 */
export function matchFirstLook(
  record: FirstLookRecord,
  images: readonly { readonly id: string; readonly name: string; readonly contentHash: string | null }[],
): FirstLookMatch | { readonly mismatch: string } {
  const rowOf = new Map(record.contentHashes.map((h, row) => [h, row] as const));
  if (images.length !== record.files.length) return { mismatch: `the collection has ${images.length} images, the precomputed set ${record.files.length}` };
  const pooledPre = new Float32Array(images.length * record.dPre);
  const pooledPost = new Float32Array(images.length * record.dPost);
  const seen = new Set<number>();
  for (const [i, image] of images.entries()) {
    const row = image.contentHash === null ? undefined : rowOf.get(image.contentHash);
    if (row === undefined) return { mismatch: `${image.name} is not one of the precomputed images` };
    if (seen.has(row)) return { mismatch: `${image.name} is in the collection twice` };
    seen.add(row);
    pooledPre.set(record.pooledPre.subarray(row * record.dPre, (row + 1) * record.dPre), i * record.dPre);
    pooledPost.set(record.pooledPost.subarray(row * record.dPost, (row + 1) * record.dPost), i * record.dPost);
  }
  return { ids: images.map((i) => i.id), pooledPre, pooledPost };
}

export interface FirstLookCheck {
  /** Largest |live − precomputed| / (1 + |precomputed|) over every pooled value of every image, pre and post. */
  readonly maxDifference: number;
  /** The image with that difference (index into the compared rows). */
  readonly worstRow: number;
}

/**
 * How far this browser's pooled embeddings are from the precomputed ones, row by row (both in the
 * same image order). Returns NaN-free numbers: a live NaN counts as an infinite difference.
 */
export function compareFirstLook(
  precomputed: { readonly pooledPre: Float32Array; readonly pooledPost: Float32Array },
  live: { readonly pooledPre: Float32Array; readonly pooledPost: Float32Array },
  rows: number,
): FirstLookCheck {
  if (precomputed.pooledPre.length !== live.pooledPre.length || precomputed.pooledPost.length !== live.pooledPost.length)
    throw new RangeError('compareFirstLook: the live and precomputed vectors differ in shape');
  const dPre = precomputed.pooledPre.length / rows;
  const dPost = precomputed.pooledPost.length / rows;
  let maxDifference = 0;
  let worstRow = 0;
  for (let r = 0; r < rows; r++) {
    let worst = 0;
    for (let i = r * dPre; i < (r + 1) * dPre; i++) worst = Math.max(worst, difference(live.pooledPre[i]!, precomputed.pooledPre[i]!));
    for (let i = r * dPost; i < (r + 1) * dPost; i++) worst = Math.max(worst, difference(live.pooledPost[i]!, precomputed.pooledPost[i]!));
    if (worst > maxDifference) {
      maxDifference = worst;
      worstRow = r;
    }
  }
  return { maxDifference, worstRow };
}

// Relative to the value's size (plus one, for values near zero): tolerances then hold for any encoder's scale.
const difference = (live: number, precomputed: number) =>
  Number.isNaN(live) || Number.isNaN(precomputed) ? Number.POSITIVE_INFINITY : Math.abs(live - precomputed) / (1 + Math.abs(precomputed));

/**
 * Whether live embeddings reproduce the precomputed ones: the largest allowed compareFirstLook
 * difference (WASM, WebGPU and Node differ in the last bits of float32 sums, about 1e-6 here;
 * another encoder, preprocessing or connector differs by orders of magnitude more).
 */
export const FIRST_LOOK_TOLERANCE = 1e-3;
