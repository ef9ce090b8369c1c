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
import type { EmbedResult, KnnResult, LoadPackResult, TrainResult } from '../workers/protocol.ts';
import { analysisStore, emptyAnalysis, idleTraining } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { restoreAnalysis } from './persistence.ts';
import { say, uiStore } from './uiStore.ts';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const MIN_TRAIN_IMAGES = 4;

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
  cancelJobs();
  const previous = modelStore.getState();
  modelStore.setState({ status: 'loading', error: null });
  try {
    const { promise } = inferenceClient.request<LoadPackResult>({ type: 'load-pack', manifest, encoder, connector, preferred: previous.preferred });
    const loaded = await promise;
    modelStore.setState({ packId, manifest, status: 'ready', ep: loaded.ep, fallbackReason: loaded.fallbackReason, error: null });
    analysisStore.setState(emptyAnalysis(packId));
    await restoreAnalysis(packId);
    if (Object.keys(analysisStore.getState().embeddings).length > 0) await computeKnor();
    await embedPending();
  } catch (error) {
    // The previous pack stays open in the worker: restore its state rather than lose it.
    modelStore.setState({ ...previous, status: previous.manifest ? 'ready' : 'error', error: errorText(error) });
    say('error', `Could not open pack "${packId}": ${errorText(error)}`);
  }
}

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
  embedding = runEmbed(packId, todo.map((i) => ({ imageId: i.id, blob: i.blob }))).finally(() => {
    embedding = null;
  });
  return embedding;
}

async function runEmbed(packId: string | null, images: { imageId: string; blob: Blob }[]): Promise<void> {
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
          say('error', `${names.get(item.imageId) ?? item.imageId}: ${item.message}`);
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
    say('error', `Embedding stopped: ${errorText(error)}`);
  } finally {
    analysisStore.setState({ embedJob: null });
  }
  await computeKnor();
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
