/**
 * Every embedded image's token matrices (pre: [T, d_v], post: [T', d_l]), held apart from the main
 * thread (workers/tokens.worker.ts holds one) as float16 and, where the browser gives it, in files
 * (OPFS) so that a reload does not embed again. The main thread keeps only what it draws: pooled
 * vectors, results, display crops.
 *
 * Why float16: at LLaVA-1.5 size an image's matrices are 11.8 MB as float32 and half that as
 * float16. KNOR is untouched (the pooled vectors are computed from the float32 tokens before they
 * are stored); the reconstructor trains on the rounded values (the test in
 * tests/core/tokens/tokenStore.test.ts and the bench measure what that changes). A matrix with a value
 * outside float16's range (|x| > 65,504) is kept as float32 rather than turned into infinities.
 *
 * Memory: images stored in files are kept in memory only up to `memoryBudget` bytes (the most
 * recently used first) and read back on demand; images that could not be stored are always kept.
 * A block store's images are not copied at all: their tokens are read from the user's own block
 * files when asked for (attach, TokenSource), so a store of thousands of LLaVA-size images costs
 * the tab no more than the budget.
 *
 * Plain TypeScript over an abstract file store (TokenFiles): Node tests use a Map, the worker OPFS.
 */
import { errorText } from '../errors.ts';
import { gatherPatchRows, type PatchSample } from '../patches/samplePatches.ts';
import { float32ToHalfBits, halfBitsToFloat32Into } from '../onnx/float16.ts';

/** The shapes of one image's matrices: pre [tokensPre, dPre], post [tokensPost, dPost]. */
export interface TokenShape {
  readonly tokensPre: number;
  readonly dPre: number;
  readonly tokensPost: number;
  readonly dPost: number;
}

/** One matrix as stored: float16 bits, or float32 where float16 would overflow. */
export type StoredMatrix = { readonly dtype: 'f16'; readonly data: Uint16Array } | { readonly dtype: 'f32'; readonly data: Float32Array };

interface StoredTokens {
  readonly shape: TokenShape;
  readonly pre: StoredMatrix;
  readonly post: StoredMatrix;
  /** Whether it can be read again (a token file, or its source), so it may leave memory. */
  readonly inFile: boolean;
}

/**
 * Where an image's tokens can be read again whenever they are needed, instead of being stored
 * here: a block store's files (workers/blockTokenSource.ts). `read` returns the matrices as they
 * are kept here (a float16 file's bits as they are, with no float32 copy on the way: at LLaVA size
 * an epoch reads gigabytes, and every copy is garbage the worker must collect); a read that fails
 * (the file was moved or changed) rejects with a message for the user.
 */
export interface TokenSource {
  readonly shape: TokenShape;
  read(): Promise<{ readonly pre: StoredMatrix; readonly post: StoredMatrix }>;
}

/** Where token files live: OPFS in the browser, a Map in tests. Names are plain file names. */
export interface TokenFiles {
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Null when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
  remove(name: string): Promise<void>;
  list(): Promise<string[]>;
  /** Bytes the origin may still use, or null when the browser does not say. */
  room(): Promise<number | null>;
}

/** Largest finite float16. */
const HALF_MAX = 65504;
const MAGIC = 0x4e4b5443; // "CTKN" little-endian
const HEADER_BYTES = 32;

/** Stored under one key per (model, image): the image id first, so removing an image removes every model's tokens. */
export function tokenKey(modelKey: string, imageId: string): string {
  return `${imageId}__${modelKey}`;
}

const FILE_SUFFIX = '.tokens';
const fileName = (key: string) => `${key}${FILE_SUFFIX}`;

/** float32 values as kept: float16 bits, or a float32 copy where one value would overflow float16. */
export function narrow(values: Float32Array): StoredMatrix {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > HALF_MAX || v < -HALF_MAX) return { dtype: 'f32', data: new Float32Array(values) };
  }
  return { dtype: 'f16', data: float32ToHalfBits(values) };
}

/** Values [from, to) of a stored matrix, stored the same way (a view, no copy). */
function sliceOf(matrix: StoredMatrix, from: number, to: number): StoredMatrix {
  return matrix.dtype === 'f16' ? { dtype: 'f16', data: matrix.data.subarray(from, to) } : { dtype: 'f32', data: matrix.data.subarray(from, to) };
}

function widenInto(matrix: StoredMatrix, out: Float32Array, offset: number): void {
  if (matrix.dtype === 'f16') halfBitsToFloat32Into(matrix.data, out, offset);
  else out.set(matrix.data, offset);
}

const matrixBytes = (m: StoredMatrix) => m.data.byteLength;
const storedBytes = (t: StoredTokens) => matrixBytes(t.pre) + matrixBytes(t.post);

/** Header: magic, version, four shape numbers, the two dtypes (0 f16, 1 f32); then pre's bytes, then post's. */
export function encodeTokenFile(shape: TokenShape, pre: StoredMatrix, post: StoredMatrix): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + matrixBytes(pre) + matrixBytes(post));
  const header = new DataView(out.buffer);
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, 1, true);
  header.setUint32(8, shape.tokensPre, true);
  header.setUint32(12, shape.dPre, true);
  header.setUint32(16, shape.tokensPost, true);
  header.setUint32(20, shape.dPost, true);
  header.setUint32(24, pre.dtype === 'f16' ? 0 : 1, true);
  header.setUint32(28, post.dtype === 'f16' ? 0 : 1, true);
  out.set(new Uint8Array(pre.data.buffer, pre.data.byteOffset, pre.data.byteLength), HEADER_BYTES);
  out.set(new Uint8Array(post.data.buffer, post.data.byteOffset, post.data.byteLength), HEADER_BYTES + matrixBytes(pre));
  return out;
}

/** The file's matrices, or null when it is not a whole token file of this version (a torn write, another format). */
export function decodeTokenFile(bytes: Uint8Array): { shape: TokenShape; pre: StoredMatrix; post: StoredMatrix } | null {
  if (bytes.byteLength < HEADER_BYTES) return null;
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (header.getUint32(0, true) !== MAGIC || header.getUint32(4, true) !== 1) return null;
  const shape: TokenShape = {
    tokensPre: header.getUint32(8, true),
    dPre: header.getUint32(12, true),
    tokensPost: header.getUint32(16, true),
    dPost: header.getUint32(20, true),
  };
  const dtypes = [header.getUint32(24, true), header.getUint32(28, true)] as const;
  const counts = [shape.tokensPre * shape.dPre, shape.tokensPost * shape.dPost] as const;
  const sizes = counts.map((n, i) => n * (dtypes[i] === 0 ? 2 : 4));
  if (dtypes.some((d) => d > 1) || bytes.byteLength !== HEADER_BYTES + sizes[0]! + sizes[1]!) return null;
  // Copied out: the file's bytes need not be aligned for a Uint16Array/Float32Array view.
  const matrix = (start: number, count: number, dtype: number): StoredMatrix => {
    const copy = bytes.slice(start, start + count * (dtype === 0 ? 2 : 4));
    return dtype === 0 ? { dtype: 'f16', data: new Uint16Array(copy.buffer) } : { dtype: 'f32', data: new Float32Array(copy.buffer) };
  };
  return {
    shape,
    pre: matrix(HEADER_BYTES, counts[0], dtypes[0]),
    post: matrix(HEADER_BYTES + sizes[0]!, counts[1], dtypes[1]),
  };
}

export interface PutOutcome {
  /** Whether a file holds the tokens now (false: memory only, e.g. the browser's storage is full). */
  readonly stored: boolean;
  /** Why not, for a message; null when stored or when storing was not asked for. */
  readonly notStoredReason: string | null;
}

export interface StackedTokens {
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly shape: TokenShape;
}

export class MissingTokensError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`the tokens of ${missing.length} image${missing.length === 1 ? ' are' : 's are'} not held: ${missing.slice(0, 3).join(', ')}`);
    this.name = 'MissingTokensError';
  }
}

/** `length` values at the start of `spare`'s buffer when it holds that many, else a new array. */
function reuseOrNew(spare: Float32Array | undefined, length: number): Float32Array {
  return spare && spare.buffer.byteLength >= length * 4 ? new Float32Array(spare.buffer, 0, length) : new Float32Array(length);
}

export class TokenStore {
  /** Insertion order is use order: a read moves an entry to the end, eviction takes from the front. */
  private readonly memory = new Map<string, StoredTokens>();
  private memoryBytes = 0;
  /** Images whose tokens are read from their source on demand (never from a token file). */
  private readonly sources = new Map<string, TokenSource>();

  constructor(
    private readonly files: TokenFiles | null,
    /**
     * Bytes of file-backed tokens kept in memory; tokens not in a file are always kept. 128 MB:
     * 1,400 images of the shipped packs, and at LLaVA size (5.9 MB an image) an epoch reads every
     * image once anyway, so a larger cache would add to the tab's memory and save no reads.
     */
    private readonly memoryBudget = 128 * 1024 * 1024,
  ) {}

  /** Store an image's matrices (float32 in, float16 kept); `persist`: write them to a file too, room permitting. */
  async put(key: string, shape: TokenShape, pre: Float32Array, post: Float32Array, persist: boolean): Promise<PutOutcome> {
    checkLengths(key, shape, pre, post);
    this.sources.delete(key);
    const stored = { pre: narrow(pre), post: narrow(post) };
    let outcome: PutOutcome = { stored: false, notStoredReason: null };
    if (persist && this.files) outcome = await this.writeFile(key, shape, stored.pre, stored.post);
    this.remember(key, { shape, ...stored, inFile: outcome.stored });
    return outcome;
  }

  /**
   * Hold these images' tokens as sources read on demand (a block store's files): nothing is read
   * now, and what is read later is kept in memory only within the budget, as a file's would be.
   */
  attach(entries: readonly { readonly key: string; readonly source: TokenSource }[]): void {
    for (const { key, source } of entries) {
      this.forget(key);
      this.sources.set(key, source);
    }
  }

  private async writeFile(key: string, shape: TokenShape, pre: StoredMatrix, post: StoredMatrix): Promise<PutOutcome> {
    const bytes = encodeTokenFile(shape, pre, post);
    const room = await this.files!.room();
    if (room !== null && room < bytes.byteLength)
      return { stored: false, notStoredReason: `the browser's storage for this site is full (${bytes.byteLength} bytes needed, ${Math.max(0, room)} left)` };
    try {
      await this.files!.write(fileName(key), bytes);
      return { stored: true, notStoredReason: null };
    } catch (error) {
      return { stored: false, notStoredReason: errorText(error) };
    }
  }

  private remember(key: string, tokens: StoredTokens): void {
    this.forget(key);
    this.memory.set(key, tokens);
    this.memoryBytes += storedBytes(tokens);
    this.evict();
  }

  private forget(key: string): void {
    const old = this.memory.get(key);
    if (!old) return;
    this.memory.delete(key);
    this.memoryBytes -= storedBytes(old);
  }

  /** Drop file-backed entries, least recently used first, until the budget holds. */
  private evict(): void {
    if (this.memoryBytes <= this.memoryBudget) return;
    for (const [key, tokens] of this.memory) {
      if (this.memoryBytes <= this.memoryBudget) return;
      if (tokens.inFile) this.forget(key);
    }
  }

  private async load(key: string): Promise<StoredTokens | null> {
    const held = this.memory.get(key);
    if (held) {
      // Most recently used moves to the end.
      this.memory.delete(key);
      this.memory.set(key, held);
      return held;
    }
    const source = this.sources.get(key);
    if (source) {
      const { pre, post } = await source.read();
      checkLengths(key, source.shape, pre.data, post.data);
      const tokens: StoredTokens = { shape: source.shape, pre, post, inFile: true };
      this.remember(key, tokens);
      return tokens;
    }
    const bytes = this.files ? await this.files.read(fileName(key)) : null;
    const decoded = bytes ? decodeTokenFile(bytes) : null;
    if (!decoded) return null;
    const tokens: StoredTokens = { ...decoded, inFile: true };
    this.remember(key, tokens);
    return tokens;
  }

  /** Which of these keys have tokens (in memory or in a file). */
  async has(keys: readonly string[]): Promise<boolean[]> {
    const heldHere = (k: string) => this.memory.has(k) || this.sources.has(k);
    const names = this.files && keys.some((k) => !heldHere(k)) ? new Set(await this.files.list()) : null;
    return keys.map((k) => heldHere(k) || (names?.has(fileName(k)) ?? false));
  }

  /**
   * The matrices of these keys stacked in their order, as float32; every key must be held and of
   * one shape. With `patches` (images whose T' = T), only each image's sampled rows: [n, count, d].
   * With `into`, the output is written at the start of those arrays' buffers where they are large
   * enough (every value of it is written), else into new ones: a reader that hands each batch back
   * makes no garbage of it.
   */
  async stack(keys: readonly string[], patches?: PatchSample, into?: { readonly pre: Float32Array; readonly post: Float32Array }): Promise<StackedTokens> {
    if (keys.length === 0) throw new RangeError('stack: no images');
    const missing: string[] = [];
    // One pass, each image read once: the output is sized from the first image held.
    let out: StackedTokens | null = null;
    let otherShape: string | null = null;
    for (let i = 0; i < keys.length; i++) {
      const tokens = await this.load(keys[i]!);
      if (!tokens) {
        missing.push(keys[i]!);
        continue;
      }
      const { shape } = tokens;
      if (!out) {
        // Checked against the first image held: any other shape is refused below.
        if (patches) checkPatches(keys[i]!, shape, patches, keys.length);
        const rowsPre = patches?.count ?? shape.tokensPre;
        const rowsPost = patches?.count ?? shape.tokensPost;
        out = { shape, pre: reuseOrNew(into?.pre, keys.length * rowsPre * shape.dPre), post: reuseOrNew(into?.post, keys.length * rowsPost * shape.dPost) };
      }
      if (!sameShape(shape, out.shape)) otherShape ??= keys[i]!;
      else if (missing.length === 0 && patches) {
        gatherPatchRows(patches, i, shape.dPre, rowWidener(tokens.pre, shape.dPre), out.pre);
        gatherPatchRows(patches, i, shape.dPost, rowWidener(tokens.post, shape.dPost), out.post);
      } else if (missing.length === 0) {
        widenInto(tokens.pre, out.pre, i * shape.tokensPre * shape.dPre);
        widenInto(tokens.post, out.post, i * shape.tokensPost * shape.dPost);
      }
    }
    // Missing images are reported before a shape that differs (the first says what to do).
    if (missing.length > 0 || !out) throw new MissingTokensError(missing);
    if (otherShape !== null) throw new RangeError(`stack: ${otherShape} has another shape than ${keys[0]}`);
    return out;
  }

  /** One token (row `index` of the pre or post matrix) as float32, or null when the key is not held. */
  async row(key: string, space: 'pre' | 'post', index: number): Promise<Float32Array | null> {
    const tokens = await this.load(key);
    if (!tokens) return null;
    const [rows, d] = space === 'pre' ? [tokens.shape.tokensPre, tokens.shape.dPre] : [tokens.shape.tokensPost, tokens.shape.dPost];
    if (!Number.isInteger(index) || index < 0 || index >= rows) throw new RangeError(`row ${index} of ${rows}`);
    const out = new Float32Array(d);
    rowWidener(tokens[space], d)(index, out, 0);
    return out;
  }

  /** Remove every key that starts with one of these prefixes (an image id removes all its models' tokens), from memory and files. */
  async removeByPrefix(prefixes: readonly string[]): Promise<number> {
    const matches = (name: string) => prefixes.some((p) => name.startsWith(p));
    let removed = 0;
    for (const key of [...this.memory.keys()]) if (matches(key)) this.forget(key);
    for (const key of [...this.sources.keys()]) if (matches(key)) this.sources.delete(key);
    if (this.files) {
      for (const name of await this.files.list()) {
        if (!name.endsWith(FILE_SUFFIX) || !matches(name)) continue;
        await this.files.remove(name);
        removed += 1;
      }
    }
    return removed;
  }

  /** Everything, from memory and files. */
  async clear(): Promise<void> {
    this.memory.clear();
    this.memoryBytes = 0;
    this.sources.clear();
    if (this.files) for (const name of await this.files.list()) if (name.endsWith(FILE_SUFFIX)) await this.files.remove(name);
  }

  /** Bytes held in memory now (what this store adds to its worker's memory). */
  get bytesInMemory(): number {
    return this.memoryBytes;
  }
}

/** Row t of a stored [tokens, d] matrix, widened into `out` at `offset`. */
function rowWidener(matrix: StoredMatrix, d: number): (t: number, out: Float32Array, offset: number) => void {
  return (t, out, offset) => widenInto(sliceOf(matrix, t * d, (t + 1) * d), out, offset);
}

function checkPatches(key: string, shape: TokenShape, patches: PatchSample, images: number): void {
  if (shape.tokensPre !== shape.tokensPost)
    throw new RangeError(`stack: ${key} has ${shape.tokensPre} pre and ${shape.tokensPost} post tokens; a patch sample needs T' = T`);
  if (patches.positions.length !== images * patches.count)
    throw new RangeError(`stack: ${patches.positions.length} patch positions for ${images} images of ${patches.count}`);
  for (const t of patches.positions) if (!Number.isInteger(t) || t < 0 || t >= shape.tokensPre) throw new RangeError(`stack: patch ${t} of ${shape.tokensPre}`);
}

function checkLengths(key: string, shape: TokenShape, pre: ArrayLike<number>, post: ArrayLike<number>): void {
  if (pre.length !== shape.tokensPre * shape.dPre || post.length !== shape.tokensPost * shape.dPost)
    throw new RangeError(
      `tokens of ${key}: expected ${shape.tokensPre}×${shape.dPre} and ${shape.tokensPost}×${shape.dPost} numbers, got ${pre.length} and ${post.length}`,
    );
}

export const sameShape = (a: TokenShape, b: TokenShape): boolean =>
  a.tokensPre === b.tokensPre && a.dPre === b.dPre && a.tokensPost === b.tokensPost && a.dPost === b.dPost;
