/// <reference lib="webworker" />
/**
 * Files worker: reads and checks what a person drops, off the main thread, so a drop of
 * thousands of files or a label file of megabytes never freezes the page. Images are checked
 * (core/image/checkImageFile) and hashed (duplicates are found by content); label files are
 * parsed (core/labels); the paper's block stores are read block by block (readBlockStore.ts). Thin: the rules are in core/. Every reply is {type, id, ...}.
 */
import { describeFailure, UserFacingError } from '../core/errors.ts';
import { fileTooBigMessage, MAX_FILE_BYTES, checkImageFile } from '../core/image/checkImageFile.ts';
import { hashBytes } from '../core/identity/contentHash.ts';
import { parseLabels } from '../core/labels/parseLabels.ts';
import { storePageMemoryProblem, type StoreBlock } from '../core/blockstore/blockStore.ts';
import { sessionFiles, zipSession } from '../core/export/sessionBundle.ts';
import type {
  BlockStoreShape,
  BuildExportRequest,
  CheckedFile,
  CheckImagesRequest,
  FilesReply,
  FilesRequest,
  ParseLabelsRequest,
  ReadBlockStoreRequest,
} from './protocol.ts';
import { blockDisplay, readBlockPair, storeHasher } from './readBlockStore.ts';

declare const self: DedicatedWorkerGlobalScope;

const cancelled = new Set<number>();

function post(reply: FilesReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function checkOne(file: File): Promise<CheckedFile> {
  // Refuse huge files before reading them into memory.
  if (file.size > MAX_FILE_BYTES) return { ok: false, message: fileTooBigMessage(file.name, file.size) };
  const bytes = new Uint8Array(await file.arrayBuffer());
  const result = checkImageFile(bytes, file.name);
  if (!result.ok) return { ok: false, message: result.message };
  return { ok: true, width: result.width, height: result.height, notice: result.notice, contentHash: await hashBytes(bytes) };
}

async function checkImages(req: CheckImagesRequest): Promise<void> {
  let done = 0;
  for (const [index, file] of req.files.entries()) {
    if (cancelled.has(req.id)) break;
    post({ type: 'item', id: req.id, item: { index, result: await checkOne(file) } });
    done++;
    post({ type: 'progress', id: req.id, progress: { done, total: req.files.length } });
  }
  cancelled.delete(req.id);
  post({ type: 'result', id: req.id, result: { done } });
}

async function parseLabelFile(req: ParseLabelsRequest): Promise<void> {
  const parsed = parseLabels(new Uint8Array(await req.file.arrayBuffer()), req.file.name);
  post({ type: 'result', id: req.id, result: parsed });
}

/** Blocks read ahead of the one being handled: at most this many, holding at most this many bytes. */
const MAX_BLOCKS_AHEAD = 16;
const BYTES_AHEAD = 64 * 1024 ** 2;
/** How often the reading reports its progress. */
const PROGRESS_MS = 100;

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
/** A promise that always fulfils, with its outcome: a block read ahead that fails is reported when its turn comes, in order. */
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );

type BlockRead = Awaited<ReturnType<typeof readBlockPair>> & Awaited<ReturnType<typeof blockDisplay>>;
async function readBlock(b: ReadBlockStoreRequest['blocks'][number], first: StoreBlock | null): Promise<BlockRead> {
  const [pair, picture] = await Promise.all([readBlockPair(b.pre, b.post, first), blockDisplay(b.image)]);
  return { ...pair, ...picture };
}

/**
 * The block store, block by block: a file that breaks the format or disagrees with the first
 * block's shapes fails the whole job (a store with holes would skew every neighbour set), with a
 * message naming the file; the main thread keeps what was open before.
 */
async function readBlockStore(req: ReadBlockStoreRequest): Promise<void> {
  const hasher = await storeHasher();
  let first: StoreBlock | null = null;
  let done = 0;
  const unreadableImages: string[] = [];
  // Blocks are read a few at a time and handled in order: each file is three small reads, and
  // one block after another spends most of its time waiting on them (10,000 pooled blocks took
  // 95 s). How many are under way is bounded by their bytes; the first is read alone, since the
  // others are checked against its shapes.
  const reads = new Map<number, Promise<Settled<BlockRead>>>();
  let window = 1;
  let reported = -Infinity;
  const startRead = (index: number) => {
    const b = req.blocks[index];
    if (b && !reads.has(index)) reads.set(index, settle(readBlock(b, first)));
  };
  for (const [index, b] of req.blocks.entries()) {
    if (cancelled.has(req.id)) break;
    for (let ahead = index; ahead < Math.min(req.blocks.length, index + window); ahead++) startRead(ahead);
    const read = await reads.get(index)!;
    reads.delete(index);
    if (!read.ok) throw read.error;
    const { block, preDigest, postDigest, display, imageHash, problem } = read.value;
    if (first === null) {
      const pictures = req.blocks.filter((x) => x.image !== null).length;
      const problem = storePageMemoryProblem(req.blocks.length, pictures, block.dPre, block.dPost, req.maxPageBytes);
      if (problem !== null) throw new UserFacingError(problem);
      first = block;
      window = Math.max(1, Math.min(MAX_BLOCKS_AHEAD, Math.floor(BYTES_AHEAD / Math.max(1, b.pre.size + b.post.size + (b.image?.size ?? 0)))));
    }
    hasher.add(b.pre.name, preDigest);
    hasher.add(b.post.name, postDigest);
    if (problem !== null) unreadableImages.push(problem);
    // The first block is kept for the shape checks (its shapes only). Only the pooled vectors go
    // to the page: the tokens worker reads the tokens from the block's files when they are needed.
    const item = { index, pooledPre: block.pooledPre, pooledPost: block.pooledPost, display, imageHash };
    const transfer: Transferable[] = [item.pooledPre.buffer, item.pooledPost.buffer];
    if (display) transfer.push(display.buffer);
    post({ type: 'item', id: req.id, item }, transfer);
    done++;
    // At most every PROGRESS_MS (and at the end): a report a block redrew the page's bar 10,000 times.
    const now = performance.now();
    if (now - reported >= PROGRESS_MS || done === req.blocks.length) {
      reported = now;
      post({ type: 'progress', id: req.id, progress: { done, total: req.blocks.length } });
    }
  }
  const wasCancelled = cancelled.delete(req.id);
  // Every block has the first one's shapes (readStoreBlock checked), so the store's shape is the first block's.
  const shape: BlockStoreShape | null = first && {
    tokensPre: first.tokensPre,
    dPre: first.dPre,
    tokensPost: first.tokensPost,
    dPost: first.dPost,
    rank: first.rank,
  };
  post({ type: 'result', id: req.id, result: { done, cancelled: wasCancelled, shape, digest: hasher.digest(), unreadableImages } });
}

/** The export's tables and arrays, plus the page's figures; zipped when asked. Big buffers go back transferred. */
function buildExport(req: BuildExportRequest): void {
  const files = { ...sessionFiles(req.session), ...req.extra };
  const count = Object.keys(files).length;
  if (req.zipFolder === null) {
    self.postMessage({ type: 'result', id: req.id, result: { kind: 'files', files, count } } satisfies FilesReply, [
      ...new Set(Object.values(files).map((b) => b.buffer as ArrayBuffer)),
    ]);
    return;
  }
  const zip = zipSession(Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`${req.zipFolder}/${path}`, bytes])));
  self.postMessage({ type: 'result', id: req.id, result: { kind: 'zip', zip, count } } satisfies FilesReply, [zip.buffer]);
}

self.onmessage = async (event: MessageEvent<FilesRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'check-images':
        return await checkImages(req);
      case 'parse-labels':
        return await parseLabelFile(req);
      case 'read-block-store':
        return await readBlockStore(req);
      case 'build-export':
        return buildExport(req);
    }
  } catch (error) {
    post({
      type: 'error',
      id: req.id,
      error: describeFailure(
        error,
        req.type === 'parse-labels'
          ? `read ${req.file.name}`
          : req.type === 'read-block-store'
            ? 'read the block store'
            : req.type === 'build-export'
              ? 'build the export'
              : 'check the files',
      ),
    });
  }
};
