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
import { isBlockFileName, planBlockStore, STORE_PICTURE_BYTES, storePageMemoryProblem } from '../core/blockstore/blockStore.ts';
import { describeFailure, isFailure } from '../core/errors.ts';
import { blockStoreModelKey } from '../core/identity/modelIdentity.ts';
import type { PackManifest } from '../core/types.ts';
import { filesClient } from '../workers/clients.ts';
import type { BlockStoreItem, BlockStoreShape } from '../workers/protocol.ts';
import { DISPLAY_SIZE, DISPLAY_SPEC } from '../workers/readBlockStore.ts';
import { createStore } from 'zustand/vanilla';
import { analysisStore, emptyAnalysis, type AnalysisState, type ImageEmbedding, type Job } from './analysisStore.ts';
import { collectionStore, nextImageId, type ImageEntry } from './collectionStore.ts';
import { applyLabelFile } from './labels.ts';
import { modelStore } from './modelStore.ts';
import { computeKnor } from './neighbours.ts';
import { attachBlockTokens, forgetTokens } from './tokens.ts';
import { say, sayFailure } from './uiStore.ts';
import { rememberUserModel } from './userModel.ts';

/**
 * What an open store may take on the page: its pooled vectors and pictures (its tokens stay in its
 * files, read by the tokens worker when needed). Half of what a tab can take, so the rest of the
 * app and the tab's own needs keep room.
 */
export const MAX_STORE_PAGE_BYTES = 2 * 1024 ** 3;

/** Store ids in the picker start with this. */
export const BLOCK_STORE_ID_PREFIX = 'blocks:';

/** Whether a drop is a block store (any block file in it), not images or a model. */
export function isBlockStoreDrop(files: readonly File[]): boolean {
  return files.some((f) => isBlockFileName(pathOf(f)));
}

const pathOf = (f: File) => f.webkitRelativePath || f.name;

/**
 * What the model's place held before the store opened: the collection, and the model's results
 * (which come back as they were when that model is chosen again, even where nothing is stored).
 */
interface SetAside {
  readonly images: readonly ImageEntry[];
  readonly packId: string | null;
  readonly analysis: AnalysisState;
}
let setAside: SetAside | null = null;
/** True while the set-aside collection is being put back: that change is not news to storage. */
let puttingBack = false;

/**
 * While a store is open (and while it hands the collection back), persistence stores no images
 * or results: the stored session stays the collection that was set aside.
 */
export function blockStoreIsOpen(): boolean {
  return setAside !== null || puttingBack;
}

/** The pack to remember for the session: the set-aside one while a store is open (a store cannot be reopened after a reload). */
export function sessionPackId(current: string | null): string | null {
  return setAside ? setAside.packId : current;
}

/**
 * Before a model's results are shown in the store's place: the set-aside collection comes back.
 * Returns the results that model had, when the model now opening is the one that was set aside
 * (its content key says so), so they need not be embedded again. Called by modelSession.openModel.
 */
export function putBackSetAside(modelKey: string): AnalysisState | null {
  const back = setAside;
  if (!back) return null;
  const storeImages = collectionStore.getState().images;
  puttingBack = true;
  try {
    setAside = null;
    collectionStore.setState({ images: back.images });
  } finally {
    puttingBack = false;
  }
  letGo(storeImages);
  return back.analysis.modelKey === modelKey ? { ...back.analysis, embedJob: null, trainJob: null } : null;
}

/** A closed store's images: their pictures, and the tokens worker's hold on their files (and what it read from them). */
function letGo(storeImages: readonly ImageEntry[]): void {
  for (const image of storeImages) if (image.url.startsWith('blob:')) URL.revokeObjectURL(image.url);
  if (storeImages.length > 0) forgetStoreTokens(storeImages.map((image) => image.id));
}

function forgetStoreTokens(imageIds: readonly string[]): void {
  forgetTokens(imageIds).catch((error: unknown) => {
    const failure = describeFailure(error, "let go of the block store's files");
    sayFailure('warning', `A closed block store's tokens could not be let go: ${failure.message} Reload the page to free the memory they use.`, failure);
  });
}

/** The bar of a store being read (its own: a model's embedding may still be finishing). */
export const blockStoreJobs = createStore<{ readonly reading: Job | null }>()(() => ({ reading: null }));

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
    // How its pictures were cropped for display (the store does not say how the encoder was fed).
    preprocess: DISPLAY_SPEC,
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

/** One grey picture shared by every block without an image (20,000 copies would be 4 GB). */
let sharedGrey: Uint8ClampedArray | null = null;
const greyDisplay = () => (sharedGrey ??= new Uint8ClampedArray(STORE_PICTURE_BYTES).fill(200));

/** Open a block store from the files of a folder (drop or directory picker); `skippedFiles`: files the drop held past its cap. */
export async function openBlockStore(files: readonly File[], options: { readonly skippedFiles?: number } = {}): Promise<void> {
  if (blockStoreJobs.getState().reading) {
    say('info', 'A block store is being read already; cancel it first to open another.');
    return;
  }
  const loading = modelStore.getState().loading;
  if (loading) {
    say('info', `${loading.what} is still opening; wait for it or cancel it, then open the block store.`);
    return;
  }
  const name = folderName(files);
  const byPath = new Map(files.map((f) => [pathOf(f), f]));
  const plan = planBlockStore(
    files.map((f) => ({ name: pathOf(f), size: f.size })),
    { extraFiles: options.skippedFiles ?? 0 },
  );
  if (!plan.ok) {
    say('error', `${plan.message} Nothing was replaced.`);
    return;
  }
  // The pictures are known before anything is read; the pooled vectors' size once the first block
  // is (the files worker checks both then, storePageMemoryProblem).
  const pictures = plan.blocks.filter((b) => b.image !== null).length;
  const pictureProblem = storePageMemoryProblem(plan.blocks.length, pictures, 0, 0, MAX_STORE_PAGE_BYTES);
  if (pictureProblem !== null) {
    say('error', `Block store "${name}" cannot be opened: ${pictureProblem} Nothing was replaced.`);
    return;
  }
  for (const warning of plan.warnings) say('info', warning);
  const blocks = plan.blocks.map((b) => ({
    id: b.id,
    pre: byPath.get(b.pre)!,
    post: byPath.get(b.post)!,
    image: b.image === null ? null : byPath.get(b.image)!,
  }));
  const labelFile = plan.labels === null ? null : (byPath.get(plan.labels) ?? null);

  const items: (BlockStoreItem | undefined)[] = new Array(blocks.length);
  const { id, promise } = filesClient.request(
    { type: 'read-block-store', blocks, maxPageBytes: MAX_STORE_PAGE_BYTES },
    {
      onItem: (item) => {
        items[item.index] = item;
      },
      onProgress: ({ done, total }) => blockStoreJobs.setState((s) => (s.reading ? { reading: { ...s.reading, done, total } } : {})),
    },
  );
  const cancel = () => filesClient.cancel(id, 2000);
  blockStoreJobs.setState({ reading: { label: `Reading block store "${name}"`, done: 0, total: blocks.length, startedAt: Date.now(), cancel } });
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
    blockStoreJobs.setState({ reading: null });
  }
  if (result.cancelled || !result.shape) {
    say('info', `Stopped reading block store "${name}" after ${result.done} of ${blocks.length} blocks; nothing was replaced.`);
    return;
  }
  const modelKey = await blockStoreModelKey(result.digest);
  // The store's files are its storage: the tokens worker reads the blocks' tokens from them when
  // training asks, and copies nothing now. Attached before the store is shown, so training finds them.
  const imageIds = blocks.map(() => nextImageId());
  const { tokensPre, dPre, tokensPost, dPost } = result.shape;
  await attachBlockTokens(
    modelKey,
    { tokensPre, dPre, tokensPost, dPost },
    blocks.map((b, i) => ({ imageId: imageIds[i]!, pre: b.pre, post: b.post })),
  );
  // A model chosen while the store was read wins: the store is not installed over it.
  if (modelStore.getState().loading) {
    forgetStoreTokens(imageIds);
    say('info', `Block store "${name}" was read, but a model is opening now, so the store was not opened. Open it again when the model is ready.`);
    return;
  }
  install(name, blocks, imageIds, items as BlockStoreItem[], result.shape, modelKey);
  if (result.unreadableImages.length > 0) {
    const [first, ...rest] = result.unreadableImages;
    say(
      'warning',
      `${first}${rest.length > 0 ? ` (and ${rest.length} more image${rest.length === 1 ? '' : 's'})` : ''} could not be read as a picture; those blocks are shown as grey tiles. Their vectors are used as they are.`,
    );
  }
  // The labels belong to the store's blocks: skipped if something else took the model's place meanwhile.
  if (labelFile && modelStore.getState().modelKey === modelKey) await applyLabelFile(labelFile);
  rememberUserModel(() => openBlockStore(files, options));
  const rankNote =
    result.shape.rank === 1 ? ' Its blocks are pooled vectors, so KNOR and neighbours are shown; reconstruction needs token blocks ([tokens, dim]).' : '';
  say(
    'info',
    `Opened block store "${name}": ${blocks.length} images, ${result.shape.tokensPre} x ${result.shape.dPre} before and ${result.shape.tokensPost} x ${result.shape.dPost} after the connector. It is not stored: after a reload, open it again.${rankNote}`,
  );
  await computeKnor();
}

function install(
  name: string,
  blocks: readonly { id: string; image: File | null }[],
  imageIds: readonly string[],
  items: readonly BlockStoreItem[],
  shape: BlockStoreShape,
  modelKey: string,
): void {
  // The model's jobs stop: their results would belong to the model, not to the store.
  const { embedJob, trainJob } = analysisStore.getState();
  embedJob?.cancel();
  trainJob?.cancel();
  const outgoing = setAside ? collectionStore.getState().images : [];
  setAside ??= { images: collectionStore.getState().images, packId: modelStore.getState().packId, analysis: analysisStore.getState() };
  // A second store replaces the first: the first is let go, the set-aside collection stays.
  letGo(outgoing);
  const entries: ImageEntry[] = blocks.map((b, i) => ({
    id: imageIds[i]!,
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
  const embeddings: Record<string, ImageEmbedding> = {};
  entries.forEach((e, i) => {
    const { pooledPre, pooledPost, display } = items[i]!;
    embeddings[e.id] = { pooledPre, pooledPost, display: display ?? greyDisplay() };
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
    wasmThreads: null,
    error: null,
    userPack: { id: packId, name: `Block store "${name}" (${blocks.length})` },
  });
}
