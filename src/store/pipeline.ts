/**
 * Effects that start jobs: open a pack, embed images, compute neighbours, train the
 * reconstructor. They read and write the stores; the work itself runs in workers.
 */
import { postTokenOfPatch } from '../core/geometry/connectorGeometry.ts';
import { knorBlockedReason } from '../core/knn/nearest.ts';
import { validateManifest } from '../core/pack/validateManifest.ts';
import { builtinPacks } from '../packs/builtinPacks.ts';
import { CancelledError } from '../workers/client.ts';
import { inferenceClient, trainingClient } from '../workers/clients.ts';
import type { EmbedResult, KnnResult, LoadPackRequest, LoadPackResult, LoadStockRequest, LoadStockResult, ModelSource, TrainResult } from '../workers/protocol.ts';
import type { PackManifest } from '../core/types.ts';
import type { ExecutionProvider } from '../ml/ort.ts';
import { analysisStore, emptyAnalysis, idleTraining } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { restoreAnalysis } from './persistence.ts';
import { say, uiStore } from './uiStore.ts';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const MIN_TRAIN_IMAGES = 4;

/** Ids of stock exports opened tapped start with this (store/stockModel.ts). */
export const STOCK_ID_PREFIX = 'stock:';

export async function openBuiltinPack(packId: string): Promise<void> {
  const pack = builtinPacks.find((p) => p.id === packId);
  if (!pack) {
    say('error', `There is no built-in pack "${packId}". Pick one from the list.`);
    return;
  }
  const checked = validateManifest(pack.manifestJson);
  if (!checked.ok) {
    say('error', `Pack "${packId}" has an invalid manifest: ${checked.errors.join('; ')}`);
    return;
  }
  const manifest = checked.manifest;
  const encoder = pack.fileUrl(manifest.files.encoder);
  const connector = pack.fileUrl(manifest.files.connector);
  if (!encoder || !connector) {
    say('error', `Pack "${packId}" is missing ${!encoder ? manifest.files.encoder : manifest.files.connector}.`);
    return;
  }
  await openPack(packId, manifest, encoder, connector);
}

/** What the inference worker is asked to open: a pack's two graphs, or a stock export tapped. */
export type ModelLoad = Omit<LoadPackRequest, 'id' | 'preferred'> | Omit<LoadStockRequest, 'id' | 'preferred'>;
/** What the worker answers a load with: a stock export's answer carries its probed manifest. */
type LoadResultOf<L extends ModelLoad> = L extends { type: 'load-stock' } ? LoadStockResult : LoadPackResult;

/**
 * Open a validated pack in the inference worker. The worker opens the new pack before it closes
 * the old one, so a pack that fails (corrupt ONNX, shapes that contradict the manifest) leaves the
 * previous pack, its embeddings and its results exactly as they were.
 */
export async function openPack(packId: string, manifest: PackManifest, encoder: ModelSource, connector: ModelSource): Promise<boolean> {
  return (await openModel(packId, { type: 'load-pack', manifest, encoder, connector }, `pack "${packId}"`)) !== null;
}

/**
 * Open any model in the inference worker (see openPack); `what` names it in messages. A stock
 * export's manifest comes back from the worker's probe run. Resolves to what the worker said, or
 * null when the model did not open (the previous one stays).
 */
export async function openModel<L extends ModelLoad>(packId: string, load: L, what: string): Promise<LoadResultOf<L> | null> {
  cancelJobs();
  const previous = modelStore.getState();
  modelStore.setState({ status: 'loading', error: null });
  let loaded: LoadResultOf<L>;
  try {
    loaded = await inferenceClient.request<LoadResultOf<L>>({ ...load, preferred: previous.preferred }).promise;
  } catch (error) {
    modelStore.setState({ ...previous, status: previous.manifest ? 'ready' : 'error', error: errorText(error) });
    // Stock models are filed under long ids (model key and tap); people know them by name.
    const stays = previous.packId?.startsWith(STOCK_ID_PREFIX) ? previous.manifest?.name : previous.packId;
    say('error', `Could not open ${what}: ${errorText(error)}${stays ? ` "${stays}" stays open.` : ''}`);
    return null;
  }
  const manifest = load.type === 'load-pack' ? load.manifest : (loaded as LoadStockResult).manifest;
  opened = { packId, load };
  modelStore.setState({ packId, manifest, status: 'ready', ep: loaded.ep, fallbackReason: loaded.fallbackReason, error: null });
  analysisStore.setState(emptyAnalysis(packId));
  await restoreAnalysis(packId);
  if (Object.keys(analysisStore.getState().embeddings).length > 0) await computeKnor();
  await embedPending();
  return loaded;
}

/** What the inference worker holds open, so a fresh worker can open it again. */
let opened: { readonly packId: string; readonly load: ModelLoad } | null = null;

/**
 * Give a fresh inference worker the open pack again, keeping every result: after a crash (the
 * client starts a new worker on the next request), or on WASM after the WebGPU device was lost
 * (a lost device leaves ORT's run hanging for good, so the old worker is stopped first).
 */
async function reopenInFreshWorker(preferred: readonly ExecutionProvider[]): Promise<LoadPackResult | null> {
  if (!opened) return null;
  modelStore.setState({ preferred });
  return inferenceClient.request<LoadPackResult>({ ...opened.load, preferred }).promise;
}

async function recoverFromDeviceLoss(why: string): Promise<boolean> {
  inferenceClient.terminate();
  try {
    const loaded = await reopenInFreshWorker(['wasm']);
    if (!loaded) return false;
    modelStore.setState({ ep: loaded.ep, fallbackReason: `WebGPU stopped working after the pack opened (${why}); switched to WASM` });
    say('info', `WebGPU stopped working (${why}). The pack was reopened on WASM and embedding carries on; nothing was lost.`);
    return true;
  } catch (error) {
    modelStore.setState({ status: 'error', ep: null, error: errorText(error) });
    say('error', `WebGPU stopped working (${why}) and the pack could not be reopened on WASM: ${errorText(error)}. Reload the page.`);
    return false;
  }
}

async function recoverFromCrash(clientMessage: string): Promise<void> {
  if (!opened) return;
  const reason = /crashed \((.*)\); it will restart/.exec(clientMessage)?.[1] ?? clientMessage;
  try {
    await reopenInFreshWorker(modelStore.getState().preferred);
    const { embeddings, failures } = analysisStore.getState();
    const waiting = collectionStore.getState().images.filter((i) => !embeddings[i.id] && !failures[i.id]).length;
    const rest = waiting > 0 ? `; ${waiting} image${waiting === 1 ? '' : 's'} wait for "Embed ${waiting} waiting"` : '';
    say('error', `The inference worker crashed (${reason}) and was restarted with the pack reopened. Everything embedded so far is kept${rest}.`);
  } catch (error) {
    say('error', `The inference worker crashed (${reason}) and the pack could not be reopened: ${errorText(error)}. Reload the page; your images and results are stored.`);
  }
}

inferenceClient.onCrash((message) => void recoverFromCrash(message));

function cancelJobs(): void {
  const { embedJob, trainJob } = analysisStore.getState();
  embedJob?.cancel();
  trainJob?.cancel();
}

let embedding: Promise<void> | null = null;

/** Embed every collection image the open pack has not seen yet, then refresh KNOR. */
export function embedPending(): Promise<void> {
  if (embedding) return embedding.then(() => embedPending());
  const { status, packId } = modelStore.getState();
  if (status !== 'ready') return Promise.resolve();
  const { embeddings, failures } = analysisStore.getState();
  const todo = collectionStore.getState().images.filter((i) => !embeddings[i.id] && !failures[i.id]);
  if (todo.length === 0) return Promise.resolve();
  const run = runEmbed(packId, todo.map((i) => ({ imageId: i.id, blob: i.blob }))).finally(() => {
    embedding = null;
  });
  embedding = run.then(() => undefined);
  // After a device loss the job ended early on purpose: the fresh worker takes the rest.
  return run.then((again) => (again ? embedPending() : undefined));
}

/** Returns true when the job should run again (the worker was replaced after a device loss). */
async function runEmbed(packId: string | null, images: { imageId: string; blob: Blob }[]): Promise<boolean> {
  let again = false;
  const started = performance.now();
  const names = new Map(collectionStore.getState().images.map((i) => [i.id, i.name]));
  const { id, promise } = inferenceClient.request<EmbedResult>(
    { type: 'embed', images },
    {
      onItem: (item) => {
        if (analysisStore.getState().packId !== packId) return;
        if (item.ok) {
          const { pre, post, pooledPre, pooledPost, display } = item;
          analysisStore.setState((s) => ({ embeddings: { ...s.embeddings, [item.imageId]: { pre, post, pooledPre, pooledPost, display } } }));
        } else {
          analysisStore.setState((s) => ({ failures: { ...s.failures, [item.imageId]: item.message } }));
          const name = names.get(item.imageId) ?? item.imageId;
          say('error', item.message.startsWith(name) ? item.message : `${name}: ${item.message}`);
        }
      },
      onProgress: ({ done, total }) => analysisStore.setState((s) => (s.embedJob ? { embedJob: { ...s.embedJob, done, total } } : {})),
    },
  );
  analysisStore.setState({ embedJob: { label: 'Embedding images', done: 0, total: images.length, cancel: () => inferenceClient.cancel(id) } });
  try {
    const result = await promise;
    if (result.cancelled) say('info', `Embedding cancelled after ${result.done} of ${images.length} images; the rest stay queued.`);
    analysisStore.setState({ lastEmbedMs: performance.now() - started });
  } catch (error) {
    const message = errorText(error);
    const lost = /WebGPU device was lost \((.*)\)$/.exec(message);
    if (lost) again = await recoverFromDeviceLoss(lost[1]!);
    else if (!/worker crashed/.test(message)) say('error', `Embedding stopped: ${message}`);
  } finally {
    analysisStore.setState({ embedJob: null });
  }
  await computeKnor();
  return again;
}

/** Collection images embedded by the open pack, in collection order. */
export function embeddedIds(): string[] {
  const { embeddings } = analysisStore.getState();
  return collectionStore.getState().images.filter((i) => embeddings[i.id]).map((i) => i.id);
}

function stack(ids: readonly string[], pick: (id: string) => Float32Array): Float32Array {
  const first = pick(ids[0]!);
  const out = new Float32Array(ids.length * first.length);
  ids.forEach((id, i) => out.set(pick(id), i * first.length));
  return out;
}

export async function computeKnor(): Promise<void> {
  const { manifest } = modelStore.getState();
  if (!manifest) return;
  const ids = embeddedIds();
  const { k, metric, includeSelf } = uiStore.getState();
  const blocked = knorBlockedReason(ids.length, k, includeSelf);
  if (blocked) {
    analysisStore.setState({ knor: null, knorBlocked: blocked });
    return;
  }
  const { embeddings } = analysisStore.getState();
  const pre = stack(ids, (id) => embeddings[id]!.pooledPre);
  const post = stack(ids, (id) => embeddings[id]!.pooledPost);
  try {
    const { promise } = inferenceClient.request<KnnResult>(
      { type: 'knn', pre, post, n: ids.length, dPre: manifest.tokens.dPre, dPost: manifest.tokens.dPost, k, metric, includeSelf },
      { transfer: [pre.buffer, post.buffer] },
    );
    const result = await promise;
    analysisStore.setState({ knor: { ids, k, metric, includeSelf, ...result }, knorBlocked: null });
    if (!uiStore.getState().selectedId || !ids.includes(uiStore.getState().selectedId!)) uiStore.setState({ selectedId: ids[0] ?? null });
  } catch (error) {
    say('error', `KNOR failed: ${errorText(error)}`);
  }
}

export async function trainReconstructor(): Promise<void> {
  const { manifest } = modelStore.getState();
  if (!manifest || analysisStore.getState().trainJob) return;
  const ids = embeddedIds();
  if (ids.length < MIN_TRAIN_IMAGES) {
    say('warning', `Training needs at least ${MIN_TRAIN_IMAGES} embedded images (one or more are held out for validation); ${ids.length} are embedded.`);
    return;
  }
  const { embeddings } = analysisStore.getState();
  const pre = stack(ids, (id) => embeddings[id]!.pre);
  const post = stack(ids, (id) => embeddings[id]!.post);
  const epochs = uiStore.getState().epochs;
  const { tokens } = manifest;
  // Which post token each patch went into (-1 for the perceiver): the token-mixing layer starts
  // from this routing instead of from noise, so a small collection can still train it.
  const grid = [manifest.image.grid[0], manifest.image.grid[1]] as const;
  const tokenSource = Int32Array.from({ length: tokens.pre }, (_, p) => postTokenOfPatch(manifest.connector, grid, p) ?? -1);
  analysisStore.setState({ training: { ...idleTraining, status: 'running', epochs } });
  const { id, promise } = trainingClient.request<TrainResult>(
    { type: 'train', pre, post, images: ids.length, tokensPre: tokens.pre, tokensPost: tokens.post, dPre: tokens.dPre, dPost: tokens.dPost, tokenSource, epochs, seed: 7 },
    {
      transfer: [pre.buffer, post.buffer],
      onProgress: (p) =>
        analysisStore.setState((s) => ({
          training: { ...s.training, trainLoss: [...s.training.trainLoss, p.trainLoss], valLoss: [...s.training.valLoss, p.valLoss], bestEpoch: p.bestEpoch },
          trainJob: s.trainJob ? { ...s.trainJob, done: p.epoch, total: p.epochs } : null,
        })),
    },
  );
  analysisStore.setState({ trainJob: { label: 'Training reconstructor', done: 0, total: epochs, cancel: () => trainingClient.cancel(id) } });
  try {
    const r = await promise;
    analysisStore.setState((s) => ({
      training: { ...s.training, status: 'done', trainLoss: r.trainLoss, valLoss: r.valLoss, bestEpoch: r.bestEpoch },
      reconstruction: {
        ids,
        tokens: tokens.pre,
        perPatch: r.perPatch,
        perImage: r.perImage,
        validationIds: new Set(Array.from(r.validation, (i) => ids[i]!)),
        backend: r.backend,
        architecture: r.architecture,
        stoppedEarly: r.stoppedEarly,
        constantDims: r.constantDims,
        model: { weights: r.weights, standardizers: r.standardizers },
      },
    }));
  } catch (error) {
    const cancelled = error instanceof CancelledError;
    analysisStore.setState((s) => ({ training: { ...s.training, status: cancelled ? 'cancelled' : 'error', error: cancelled ? null : errorText(error) } }));
    say(cancelled ? 'info' : 'error', cancelled ? 'Training cancelled; the previous heatmaps (if any) are kept.' : `Training failed: ${errorText(error)}`);
  } finally {
    analysisStore.setState({ trainJob: null });
  }
}

/** Browser-test hooks: destroy the inference worker's WebGPU device, as a driver reset would; crash the worker. */
export const debugHooks = {
  loseWebGpuDevice: (): Promise<boolean> => inferenceClient.request<boolean>({ type: 'debug-lose-webgpu' }).promise,
  crashInferenceWorker: (): void => void inferenceClient.request<boolean>({ type: 'debug-crash' }).promise.catch(() => undefined),
};

/** First visit: the heatmaps appear without a click once the bundled set is embedded. */
export async function trainIfNoReconstruction(): Promise<void> {
  const { reconstruction, trainJob } = analysisStore.getState();
  if (reconstruction || trainJob || embeddedIds().length < MIN_TRAIN_IMAGES) return;
  say('info', 'Training the reconstructor on these images so the heatmaps can show where the connector loses information (Cancel stops it; Train runs it again).');
  await trainReconstructor();
}
