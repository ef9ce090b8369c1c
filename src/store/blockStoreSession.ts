/**
 * The paper's block store, opened with no model: a folder of `pre-block-<id>.safetensors` and
 * `post-block-<id>.safetensors` (core/blockstore/), with the images and a labels file beside them
 * when the folder has them. Its vectors ARE the embeddings, so it opens in the model's place: KNOR,
 * precision, neighbour grids and (for token blocks) reconstruction training run on it unchanged,
 * filed under the store's content key.
 *
 * The gallery shows the store's blocks while it is open; the collection that was there is set
 * aside (not stored over) and comes back when a model is chosen again. A store is read from the
 * user's files and not stored: after a reload, open it again. A store that fails to read (a bad
 * file, shapes that disagree, a missing partner) is refused whole, naming the file, and leaves
 * everything that was open as it was.
 */
import { planBlockStore } from '../core/blockstore/blockStore.ts';
import { describeFailure, isFailure } from '../core/errors.ts';
import { formatBytes } from '../core/formatBytes.ts';
import { blockStoreModelKey } from '../core/identity/modelIdentity.ts';
import type { PackManifest } from '../core/types.ts';
import { filesClient } from '../workers/clients.ts';
import type { BlockStoreItem, BlockStoreShape } from '../workers/protocol.ts';
import { DISPLAY_SIZE } from '../workers/readBlockStore.ts';
import { analysisStore, emptyAnalysis, type AnalysisState, type ImageEmbedding } from './analysisStore.ts';
import { collectionStore, nextImageId, type ImageEntry } from './collectionStore.ts';
import { applyLabelFile } from './labels.ts';
import { modelStore, type ModelState } from './modelStore.ts';
import { computeKnor } from './neighbours.ts';
import { say, sayFailure } from './uiStore.ts';
import { rememberUserModel } from './userModel.ts';

/** Block files' bytes a store may have: held as float32 (up to twice a float16 file), this is what a tab can take. */
export const MAX_STORE_FILE_BYTES = 2 * 1024 ** 3;

/** Store ids in the picker start with this. */
export const BLOCK_STORE_ID_PREFIX = 'blocks:';

const BLOCK_FILE = /(^|\/)(pre|post)-block-[^/]+\.safetensors$/;

/** Whether a drop is a block store (any block file in it), not images or a model. */
export function isBlockStoreDrop(files: readonly File[]): boolean {
  return files.some((f) => BLOCK_FILE.test(pathOf(f)));
}

const pathOf = (f: File) => f.webkitRelativePath || f.name;

/** What the model's place held before the store opened: it comes back when a model is chosen. */
interface SetAside {
  readonly images: readonly ImageEntry[];
  /** The store's own entries, so images added while it was open come back too (and get embedded). */
  storeIds: ReadonlySet<string>;
  readonly model: ModelState;
  readonly analysis: AnalysisState;
}
let setAside: SetAside | null = null;

/** While a store is open, persistence writes nothing: the stored session stays the collection that was set aside. */
export function blockStoreIsOpen(): boolean {
  return setAside !== null;
}

/**
 * Before a model opens in the store's place: the set-aside collection comes back (its results
 * are restored by content key as the model opens). Called by modelSession.openModel.
 */
export function putBackSetAside(): void {
  const back = setAside;
  if (!back) return;
  const current = collectionStore.getState().images;
  const storeImages = current.filter((i) => back.storeIds.has(i.id));
  const addedMeanwhile = current.filter((i) => !back.storeIds.has(i.id));
  setAside = null;
  collectionStore.setState({ images: [...back.images, ...addedMeanwhile] });
  for (const image of storeImages) if (image.url.startsWith('blob:')) URL.revokeObjectURL(image.url);
}

/** Grey tile with the block's id, for blocks stored without their image. */
function placeholderUrl(id: string): string {
  const text = id.replace(/[<>&"']/g, '');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="#d8d8d8"/><text x="48" y="52" font-family="sans-serif" font-size="12" text-anchor="middle" fill="#555">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

function storeManifest(name: string, blocks: number, shape: BlockStoreShape): PackManifest {
  const side = Math.round(Math.sqrt(shape.tokensPre));
  const square = side * side === shape.tokensPre;
  const grid: [number, number] = square ? [side, side] : [1, shape.tokensPre];
  return {
    formatVersion: 1,
    id: `${BLOCK_STORE_ID_PREFIX}${name}`,
    name,
    description: `A block store of ${blocks} images read from files: embeddings without a model.`,
    image: { size: DISPLAY_SIZE, patchSize: Math.max(1, Math.floor(DISPLAY_SIZE / grid[1])), grid },
    tokens: { pre: shape.tokensPre, post: shape.tokensPost, dPre: shape.dPre, dPost: shape.dPost },
    // The store does not say which connector made it: equal token counts read as token-wise, others as mixing every token.
    connector: shape.tokensPre === shape.tokensPost ? { family: 'mlp' } : { family: 'perceiver', queries: shape.tokensPost },
    preprocess: { resize: 'shortest-edge', crop: 'center', resample: 'bilinear', rescale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
    files: { encoder: 'pre-block-*.safetensors', connector: 'post-block-*.safetensors' },
    io: { encoderInput: 'image', encoderOutput: 'pre', connectorInput: 'pre', connectorOutput: 'post' },
    weights: { source: 'pretrained', synthetic: false, license: 'as the embeddings’ source', origin: 'block store files' },
  };
}

/** The folder a store came from, for its name: the common first path segment, else "block store". */
function folderName(files: readonly File[]): string {
  const first = files.map(pathOf).find((p) => p.includes('/'));
  return first ? first.slice(0, first.indexOf('/')) : 'block store';
}

let reading: { readonly cancel: () => void } | null = null;

/** Open a block store from the files of a folder (drop or directory picker); `skippedFiles`: files the drop held past its cap. */
export async function openBlockStore(files: readonly File[], options: { readonly skippedFiles?: number } = {}): Promise<void> {
  if (reading) {
    say('info', 'A block store is being read already; cancel it first to open another.');
    return;
  }
  const name = folderName(files);
  const byPathSize = new Map(files.map((f) => [pathOf(f), f.size]));
  const plan = planBlockStore(
    files.map((f) => ({ name: pathOf(f), size: f.size })),
    { extraFiles: options.skippedFiles ?? 0 },
  );
  if (!plan.ok) {
    say('error', `${plan.message} Nothing was replaced.`);
    return;
  }
  // Every block is held in memory as float32 (twice a float16 file's size): past this the tab would run out before the end.
  const blockBytes = plan.blocks.reduce((sum, b) => sum + (byPathSize.get(b.pre) ?? 0) + (byPathSize.get(b.post) ?? 0), 0);
  if (blockBytes > MAX_STORE_FILE_BYTES) {
    say('error', `Block store "${name}" holds ${formatBytes(blockBytes)} of blocks; a browser tab can hold about ${formatBytes(MAX_STORE_FILE_BYTES)} of them as numbers. Open pooled blocks ([dim] each) instead, or a part of the store in a folder of its own. Nothing was replaced.`);
    return;
  }
  for (const warning of plan.warnings) say('info', warning);
  const byPath = new Map(files.map((f) => [pathOf(f), f]));
  const blocks = plan.blocks.map((b) => ({ id: b.id, pre: byPath.get(b.pre)!, post: byPath.get(b.post)!, image: b.image === null ? null : byPath.get(b.image)! }));
  const labelFile = plan.labels === null ? null : (byPath.get(plan.labels) ?? null);

  const items: (BlockStoreItem | undefined)[] = new Array(blocks.length);
  const startedAt = Date.now();
  const { id, promise } = filesClient.request(
    { type: 'read-block-store', blocks },
    {
      onItem: (item) => {
        items[item.index] = item;
      },
      onProgress: ({ done, total }) => analysisStore.setState((s) => (s.embedJob ? { embedJob: { ...s.embedJob, done, total } } : {})),
    },
  );
  const cancel = () => filesClient.cancel(id, 2000);
  reading = { cancel };
  // The bar sits where embedding's does: reading a store is this mode's embedding.
  analysisStore.setState({ embedJob: { label: `Reading block store "${name}"`, done: 0, total: blocks.length, startedAt, cancel } });
  let result;
  try {
    result = await promise;
  } catch (error) {
    if (isFailure(error, 'cancelled') || isFailure(error, 'stopped')) say('info', `Stopped reading block store "${name}"; nothing was replaced.`);
    else {
      const failure = describeFailure(error, `read block store "${name}"`);
      sayFailure('error', `Could not open block store "${name}": ${failure.message} Nothing was replaced.`, failure);
    }
    return;
  } finally {
    reading = null;
    analysisStore.setState((s) => (s.embedJob?.cancel === cancel ? { embedJob: null } : {}));
  }
  if (result.cancelled || !result.shape) {
    say('info', `Stopped reading block store "${name}" after ${result.done} of ${blocks.length} blocks; nothing was replaced.`);
    return;
  }
  await install(name, blocks, items as BlockStoreItem[], result.shape, await blockStoreModelKey(result.digest));
  if (labelFile) await applyLabelFile(labelFile);
  rememberUserModel(() => openBlockStore(files, options));
  const rankNote = result.shape.rank === 1 ? ' Its blocks are pooled vectors, so KNOR and neighbours are shown; reconstruction needs token blocks ([tokens, dim]).' : '';
  say('info', `Opened block store "${name}": ${blocks.length} images, ${result.shape.tokensPre} x ${result.shape.dPre} before and ${result.shape.tokensPost} x ${result.shape.dPost} after the connector. It is not stored: after a reload, open it again.${rankNote}`);
  await computeKnor();
}

async function install(name: string, blocks: readonly { id: string; image: File | null }[], items: readonly BlockStoreItem[], shape: BlockStoreShape, modelKey: string): Promise<void> {
  // The model's jobs stop: their results would belong to the model, not to the store.
  const { embedJob, trainJob } = analysisStore.getState();
  embedJob?.cancel();
  trainJob?.cancel();
  setAside ??= { images: collectionStore.getState().images, storeIds: new Set(), model: modelStore.getState(), analysis: analysisStore.getState() };
  const entries: ImageEntry[] = blocks.map((b, i) => ({
    id: nextImageId(),
    name: b.image ? b.image.name : b.id,
    blob: b.image ?? new Blob([], { type: 'application/octet-stream' }),
    url: b.image ? URL.createObjectURL(b.image) : placeholderUrl(b.id),
    bytes: b.image?.size ?? 0,
    width: null,
    height: null,
    label: null,
    labelSource: null,
    contentHash: items[i]!.imageHash,
  }));
  setAside.storeIds = new Set(entries.map((e) => e.id));
  const embeddings: Record<string, ImageEmbedding> = {};
  entries.forEach((e, i) => {
    const { pre, post, pooledPre, pooledPost, display } = items[i]!;
    embeddings[e.id] = { pre, post, pooledPre, pooledPost, display };
  });
  const manifest = storeManifest(name, blocks.length, shape);
  const packId = `${BLOCK_STORE_ID_PREFIX}${modelKey.slice(3, 15)}`;
  analysisStore.setState({ ...emptyAnalysis(modelKey), embeddings });
  collectionStore.setState({ images: entries });
  modelStore.setState({
    packId,
    modelKey,
    manifest,
    origin: { kind: 'block-store' },
    status: 'ready',
    loading: null,
    ep: null,
    fallbackReason: null,
    error: null,
    userPack: { id: packId, name: `Block store "${name}" (${blocks.length})` },
  });
}
