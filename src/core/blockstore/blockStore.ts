/**
 * The paper's block store (lyan62/vlm-info-loss), opened with no model: a folder with one
 * `pre-block-<id>.safetensors` (the encoder's output) and one `post-block-<id>.safetensors` (the
 * connector's) per image, each holding one tensor named `block`, [tokens, dim] or a pooled [dim].
 * Those vectors are the embeddings KNOR, neighbours and reconstruction need, so a store stands in
 * for a model.
 *
 * Two steps, so a bad folder is refused early and a good one is never held whole in memory:
 * planBlockStore works from names and sizes alone (pairs, images, labels file, order, the cap),
 * before any file is read; readStoreBlock then takes one block's two parsed files at a time and
 * checks them against the first block, so a store whose shapes disagree is refused naming the
 * file that breaks it.
 */
import { UserFacingError } from '../errors.ts';
import { formatBytes } from '../formatBytes.ts';
import { firstNonFinite, meanPoolImage } from '../knn/pool.ts';
import {
  FLOAT_DTYPES,
  isFloatDtype,
  readTensorAsFloat32,
  tensorBytesOf,
  tensorNamed,
  tooShortMessage,
  type FloatDtype,
  type SafetensorsHeader,
  type SafetensorsTensor,
} from './safetensors.ts';

/**
 * At most this many blocks: the neighbour search compares all n² pairs. (Token blocks are not
 * held: they are read from their files when needed, workers/blockTokenSource.ts.)
 */
export const MAX_BLOCKS = 20_000;

/** Side of a block's picture, the one heatmaps of a store are drawn over (workers/readBlockStore.ts crops to it). */
export const STORE_PICTURE_SIZE = 224;
/** Bytes of a block's picture on the page: STORE_PICTURE_SIZE² RGBA. */
export const STORE_PICTURE_BYTES = STORE_PICTURE_SIZE * STORE_PICTURE_SIZE * 4;

/**
 * Why a store would not fit on the page, or null when it does: an open store keeps each block's
 * two pooled vectors (float32) and a picture per block that has an image; its tokens stay in its
 * files. Checked once the first block has said its widths, before the others are read.
 */
export function storePageMemoryProblem(blocks: number, pictures: number, dPre: number, dPost: number, limitBytes: number): string | null {
  const vectorBytes = blocks * (dPre + dPost) * 4;
  const pictureBytes = pictures * STORE_PICTURE_BYTES;
  if (vectorBytes + pictureBytes <= limitBytes) return null;
  const parts = [
    ...(vectorBytes > 0 ? [`${formatBytes(vectorBytes)} of pooled vectors`] : []),
    ...(pictureBytes > 0 ? [`${formatBytes(pictureBytes)} of pictures`] : []),
  ];
  return `Its ${blocks.toLocaleString('en-US')} blocks need ${parts.join(' and ')} on the page, more than the ${formatBytes(limitBytes)} a browser tab can take. Open a part of the store in a folder of its own.`;
}

/** The tensor every block file holds (the paper's `save_file({'block': tensor}, path)`). */
export const BLOCK_TENSOR = 'block';

export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'];
/** Label files the planner reports, in order of preference; src/core/labels/ reads them. */
export const LABEL_FILE_NAMES: readonly string[] = ['labels.csv', 'labels.tsv', 'labels.json'];

const BLOCK_FILE = /^(pre|post)-block-(.+)\.safetensors$/;
/** Problems listed in full in one message; the rest are counted. */
const PROBLEMS_SHOWN = 3;

export interface BlockStoreFile {
  /** The file's name, or its path in the folder ("store/pre-block-7.safetensors"). */
  readonly name: string;
  readonly size: number;
}

export interface PlannedBlock {
  readonly id: string;
  /** The names as given (paths included), so the caller finds its files by them. */
  readonly pre: string;
  readonly post: string;
  /** The image `<id>.<png|jpg|...>` found beside the blocks, or null. */
  readonly image: string | null;
}

export type BlockStorePlan =
  | {
      readonly ok: true;
      /** In natural order of id: "2" before "10". */
      readonly blocks: readonly PlannedBlock[];
      /** labels.csv / labels.tsv / labels.json, or null. */
      readonly labels: string | null;
      /** What was chosen where the folder was ambiguous (two images for one id, two label files). */
      readonly warnings: readonly string[];
    }
  | {
      readonly ok: false;
      /** For people: every problem (the first few in full), and what to do. */
      readonly message: string;
      readonly problems: readonly string[];
    };

export interface PlanOptions {
  /** Files the folder held beyond those listed (a drop stops listing past its own cap): blocks among them would be missed. */
  readonly extraFiles?: number;
}

/** The part after the last "/" (or "\"). */
/** Whether a file (name or path) is named as a block file, `pre-block-<id>.safetensors` or `post-block-<id>.safetensors`. */
export function isBlockFileName(path: string): boolean {
  return BLOCK_FILE.test(baseName(path));
}

export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

const count = (n: number) => n.toLocaleString('en');

type Chunk = string | bigint;
/** A name cut into runs of digits (as numbers) and runs of anything else. */
function chunksOf(s: string): Chunk[] {
  return (s.match(/\d+|\D+/g) ?? []).map((run) => (run.charCodeAt(0) >= 48 && run.charCodeAt(0) <= 57 ? BigInt(run) : run));
}

function compareChunks(a: readonly Chunk[], b: readonly Chunk[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      const [sx, sy] = [String(x), String(y)];
      if (sx !== sy) return sx < sy ? -1 : 1;
    }
  }
  return a.length - b.length;
}

const compareCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Natural order: runs of digits compare as numbers ("img2" < "img10"), the rest by code unit;
 * names equal that way ("7", "007") fall back to plain string order, so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  return compareChunks(chunksOf(a), chunksOf(b)) || compareCodeUnits(a, b);
}

const FOLDER_MUST_HOLD =
  'A block store holds pre-block-<id>.safetensors and post-block-<id>.safetensors for each image (one tensor named "block" in each, as the paper\'s code saves them), and, if you have them, the images (<id>.png, .jpg, ...) and a labels file (labels.csv, labels.tsv or labels.json) beside them.';

function listMessage(problems: readonly string[]): string {
  if (problems.length === 1) return problems[0]!;
  const shown = problems.slice(0, PROBLEMS_SHOWN).join(' ');
  const rest = problems.length - PROBLEMS_SHOWN;
  return `This block store has ${count(problems.length)} problems. ${shown}${rest > 0 ? ` ...and ${count(rest)} more like these.` : ''}`;
}

/**
 * What a folder's files make as a block store, from names and sizes only: blocks paired by id in
 * natural order, each with its image when there is one, and the labels file. Refused (ok: false)
 * when a block file lacks its partner, a name appears twice, a block file is too short to be
 * safetensors, there are no blocks, or more than MAX_BLOCKS (checked first, in one pass).
 */
export function planBlockStore(files: readonly BlockStoreFile[], options: PlanOptions = {}): BlockStorePlan {
  const extraFiles = options.extraFiles ?? 0;
  // The cap first and cheaply: a folder of 100,000 blocks is refused before anything is grouped or sorted.
  let preFiles = 0;
  let postFiles = 0;
  for (const f of files) {
    if (!f.name.endsWith('.safetensors')) continue;
    const base = baseName(f.name);
    if (base.startsWith('pre-block-')) preFiles++;
    else if (base.startsWith('post-block-')) postFiles++;
  }
  const blockCount = Math.max(preFiles, postFiles);
  if (blockCount > MAX_BLOCKS) {
    const problem = `This folder holds ${count(blockCount)} blocks (${preFiles >= postFiles ? 'pre' : 'post'}-block files); Connector Lens opens at most ${count(MAX_BLOCKS)}, because the neighbour search compares every pair of blocks. Open a folder with ${count(MAX_BLOCKS)} blocks or fewer (move the rest, with their post-block files, to another folder).`;
    return { ok: false, message: problem, problems: [problem] };
  }
  if (extraFiles > 0) {
    const problem = `This drop holds ${count(files.length + extraFiles)} files, but only the first ${count(files.length)} were listed, so blocks among the other ${count(extraFiles)} would be missing. Open the folder with "Open block store…" instead, which lists every file.`;
    return { ok: false, message: problem, problems: [problem] };
  }

  const pres = new Map<string, BlockStoreFile[]>();
  const posts = new Map<string, BlockStoreFile[]>();
  const images = new Map<string, string[]>();
  const labelFiles: string[] = [];
  const otherSafetensors: string[] = [];
  for (const f of files) {
    const base = baseName(f.name);
    const block = BLOCK_FILE.exec(base);
    if (block) {
      const side = block[1] === 'pre' ? pres : posts;
      const id = block[2]!;
      const found = side.get(id);
      if (found) found.push(f);
      else side.set(id, [f]);
      continue;
    }
    if (base.toLowerCase().endsWith('.safetensors')) otherSafetensors.push(base);
    if (LABEL_FILE_NAMES.includes(base.toLowerCase())) labelFiles.push(f.name);
    const dot = base.lastIndexOf('.');
    if (dot > 0 && IMAGE_EXTENSIONS.includes(base.slice(dot + 1).toLowerCase())) {
      const stem = base.slice(0, dot);
      const found = images.get(stem);
      if (found) found.push(f.name);
      else images.set(stem, [f.name]);
    }
  }

  if (pres.size === 0 && posts.size === 0) {
    const others =
      otherSafetensors.length === 0
        ? ''
        : ` It holds ${count(otherSafetensors.length)} other .safetensors file${otherSafetensors.length === 1 ? '' : 's'} (${otherSafetensors.slice(0, 2).join(', ')}${otherSafetensors.length > 2 ? ', ...' : ''}), not named as blocks.`;
    const problem = `This folder holds no block files.${others} ${FOLDER_MUST_HOLD}`;
    return { ok: false, message: problem, problems: [problem] };
  }

  const problems: string[] = [];
  const ids = [...new Set([...pres.keys(), ...posts.keys()])];
  const idKeys = new Map(ids.map((id) => [id, chunksOf(id)]));
  ids.sort((a, b) => compareChunks(idKeys.get(a)!, idKeys.get(b)!) || compareCodeUnits(a, b));
  const blocks: PlannedBlock[] = [];
  const warnings: string[] = [];
  for (const id of ids) {
    const pre = pres.get(id) ?? [];
    const post = posts.get(id) ?? [];
    for (const [side, found] of [
      ['pre', pre],
      ['post', post],
    ] as const) {
      if (found.length > 1) {
        problems.push(
          `${side}-block-${id}.safetensors appears ${found.length} times (${found.map((f) => f.name).join(', ')}); a block store holds one file per block. Keep one of them.`,
        );
      }
      for (const f of found) if (f.size < 8) problems.push(tooShortMessage(f.name, f.size));
    }
    if (pre.length === 0) {
      problems.push(
        `post-block-${id}.safetensors has no partner: pre-block-${id}.safetensors is missing. Every block needs both files; add it, or remove post-block-${id}.safetensors.`,
      );
      continue;
    }
    if (post.length === 0) {
      problems.push(
        `pre-block-${id}.safetensors has no partner: post-block-${id}.safetensors is missing. Every block needs both files; add it, or remove pre-block-${id}.safetensors.`,
      );
      continue;
    }
    const pictures = [...(images.get(id) ?? [])].sort(naturalCompare);
    if (pictures.length > 1) warnings.push(`Block ${id} has ${pictures.length} images (${pictures.join(', ')}); ${pictures[0]} is shown.`);
    blocks.push({ id, pre: pre[0]!.name, post: post[0]!.name, image: pictures[0] ?? null });
  }
  if (problems.length > 0) return { ok: false, message: listMessage(problems), problems };

  // Nearest the top of the folder first, then csv, tsv, json.
  const depth = (path: string) => path.split(/[/\\]/).length;
  labelFiles.sort(
    (a, b) =>
      depth(a) - depth(b) ||
      LABEL_FILE_NAMES.indexOf(baseName(a).toLowerCase()) - LABEL_FILE_NAMES.indexOf(baseName(b).toLowerCase()) ||
      compareCodeUnits(a, b),
  );
  const labels = labelFiles[0] ?? null;
  if (labelFiles.length > 1) warnings.push(`The folder has ${labelFiles.length} label files (${labelFiles.join(', ')}); ${labels} is used.`);
  return { ok: true, blocks, labels, warnings };
}

/** One block file, its header parsed and its data section read (offsets count from data[0]). */
export interface BlockFile {
  readonly name: string;
  readonly header: SafetensorsHeader;
  /** The file's bytes after the 8-byte length and the header (at least up to the block tensor's end). */
  readonly data: Uint8Array;
}

export interface StoreBlock {
  readonly preFile: string;
  readonly postFile: string;
  /** 2: token matrices (KNOR, neighbours and reconstruction); 1: pooled vectors (KNOR and neighbours only). */
  readonly rank: 1 | 2;
  /** As stored: [tokens, dim] or [dim]. */
  readonly preShape: readonly number[];
  readonly postShape: readonly number[];
  /** A pooled vector counts as one token. */
  readonly tokensPre: number;
  readonly dPre: number;
  readonly tokensPost: number;
  readonly dPost: number;
  /** [tokensPre, dPre] and [tokensPost, dPost], row-major, float32 whatever was stored. */
  readonly pre: Float32Array;
  readonly post: Float32Array;
  /** Means over tokens, [dPre] and [dPost] (core/knn/pool.ts); a copy of the vector for rank 1. */
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function describeBlock(shape: readonly number[]): string {
  return shape.length === 1 ? `a pooled vector ${shapeText(shape)}` : `tokens ${shapeText(shape)}`;
}

/**
 * The `block` tensor of a block file, checked: present, a float dtype this module reads, rank 1
 * ([dim]) or 2 ([tokens, dim]), and no empty dimension.
 */
export function blockTensorOf(header: SafetensorsHeader, fileName: string = header.fileName): SafetensorsTensor & { readonly dtype: FloatDtype } {
  const tensor = tensorNamed(header, BLOCK_TENSOR);
  if (tensor === undefined) {
    const names = header.tensors.map((t) => JSON.stringify(t.name));
    const holds =
      names.length === 0 ? 'it holds no tensors' : `it holds ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${count(names.length - 5)} more` : ''}`;
    throw new UserFacingError(
      `${fileName} has no tensor named "block"; ${holds}. A block store file holds one tensor named "block", as the paper's code saves it: safetensors.torch.save_file({'block': tensor}, path).`,
    );
  }
  const { dtype, shape } = tensor;
  if (!isFloatDtype(dtype)) {
    throw new UserFacingError(
      `${fileName} stores its block as ${dtype}; Connector Lens reads blocks in ${FLOAT_DTYPES.slice(0, -1).join(', ')} or ${FLOAT_DTYPES[FLOAT_DTYPES.length - 1]}. Save the embeddings as floating point (tensor.float()).`,
    );
  }
  if (shape.length !== 1 && shape.length !== 2) {
    const dims = shape.length === 0 ? 'a single number' : `${shape.length} dimensions`;
    const batchHint = shape.length === 3 && shape[0] === 1 ? ' Its first dimension looks like a batch of one: save tensor[0].' : '';
    throw new UserFacingError(
      `${fileName} holds a block of shape ${shapeText(shape)} (${dims}); a block is [tokens, dim], or a pooled vector [dim].${batchHint}`,
    );
  }
  if (shape.includes(0)) {
    throw new UserFacingError(`${fileName} holds a block of shape ${shapeText(shape)}, which has no values. Export the block again.`);
  }
  return { ...tensor, dtype };
}

/** The block's values as float32, refused when one is NaN or infinite (the neighbour search could not place the image). */
function blockValues(file: BlockFile, tensor: SafetensorsTensor & { readonly dtype: FloatDtype }): Float32Array {
  const values = readTensorAsFloat32(tensorBytesOf(file.data, tensor), tensor.dtype, tensor.count);
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    const dim = tensor.shape[tensor.shape.length - 1]!;
    const where = tensor.shape.length === 2 ? `token ${Math.floor(bad / dim)}, value ${bad % dim}` : `value ${bad}`;
    const overflow =
      tensor.dtype === 'F16' && !Number.isNaN(values[bad]!)
        ? ' float16 overflows past ±65,504: export the block in float32 or bfloat16.'
        : ' Remove this block, or export it again.';
    throw new UserFacingError(
      `${file.name} holds ${values[bad]} at ${where}; a block with a value that is not a finite number cannot be compared with the others.${overflow}`,
    );
  }
  return values;
}

/** A checked block tensor as [tokens, dim]: a pooled vector [dim] is one token. */
export function blockRowsOf(tensor: SafetensorsTensor): readonly [number, number] {
  return tensor.shape.length === 2 ? [tensor.shape[0]!, tensor.shape[1]!] : [1, tensor.shape[0]!];
}

/** Both files' `block` tensors (blockTensorOf), refused unless both are tokens or both pooled vectors. */
export function blockTensorsOf(pre: BlockFile, post: BlockFile) {
  const preTensor = blockTensorOf(pre.header, pre.name);
  const postTensor = blockTensorOf(post.header, post.name);
  if (preTensor.shape.length !== postTensor.shape.length) {
    throw new UserFacingError(
      `${pre.name} holds ${describeBlock(preTensor.shape)} but ${post.name} ${describeBlock(postTensor.shape)}: both files of a block must hold tokens [tokens, dim], or both pooled vectors [dim]. Export them the same way.`,
    );
  }
  return { preTensor, postTensor };
}

/**
 * One block from its two files: checks each `block` tensor (blockTensorOf), that pre and post
 * are both tokens or both pooled vectors, and that their shapes equal those of the store's first
 * block (`first`, null for the first block itself); then converts to float32 and pools.
 */
export function readStoreBlock(pre: BlockFile, post: BlockFile, first: StoreBlock | null): StoreBlock {
  const { preTensor, postTensor } = blockTensorsOf(pre, post);
  if (first !== null) {
    for (const [side, file, tensor, firstShape, firstFile, made] of [
      ['pre', pre, preTensor, first.preShape, first.preFile, 'one encoder, one image size'],
      ['post', post, postTensor, first.postShape, first.postFile, 'one connector'],
    ] as const) {
      if (!sameShape(tensor.shape, firstShape)) {
        throw new UserFacingError(
          `${file.name} holds a block of shape ${shapeText(tensor.shape)}, but the first block's (${firstFile}) is ${shapeText(firstShape)}: every ${side} block of a store has the same shape (${made}). Remove the odd block, or export the store again.`,
        );
      }
    }
  }
  const rank = preTensor.shape.length as 1 | 2;
  const [tokensPre, dPre] = blockRowsOf(preTensor);
  const [tokensPost, dPost] = blockRowsOf(postTensor);
  const preValues = blockValues(pre, preTensor);
  const postValues = blockValues(post, postTensor);
  return {
    preFile: pre.name,
    postFile: post.name,
    rank,
    preShape: preTensor.shape,
    postShape: postTensor.shape,
    tokensPre,
    dPre,
    tokensPost,
    dPost,
    pre: preValues,
    post: postValues,
    pooledPre: meanPoolImage(preValues, tokensPre, dPre),
    pooledPost: meanPoolImage(postValues, tokensPost, dPost),
  };
}
