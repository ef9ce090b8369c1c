/**
 * The open model and the inference worker that holds it. One rule keeps results honest: what is
 * shown always belongs to the model whose content key (core/identity) the worker answered with;
 * results are filed and restored under that key, never under a name.
 *
 * The worker may lose what it holds (a crash, a stop because a step hung past Cancel or its time
 * budget, a lost WebGPU device). Then `opened` still says what the app has open, and
 * ensureWorkerHolds() opens it again in the fresh worker before anything runs on it. Every load
 * goes through one queue, so two loads never interleave in the worker.
 *
 * Opening a model never blocks the app: Cancel stops it (ending the worker if the runtime does
 * not answer within a grace period), and choosing another model while one opens replaces it.
 *
 * What this coordinates through (what is open, what the worker holds, the load generation, the
 * load in flight, the load queue) lives in the session object (store/session.ts); every effect
 * takes it, defaulting to the app's. The reset listener (afterInferenceReset) is registered by
 * store/pipeline.ts when it wires a session, not here at import.
 */
import { describeFailure, isFailure, type Failure } from '../core/errors.ts';
import { validateManifest } from '../core/pack/validateManifest.ts';
import type { PackManifest } from '../core/types.ts';
import type { ExecutionProvider } from '../ml/ort.ts';
import { builtinPacks } from '../packs/builtinPacks.ts';
import type { WorkerReset } from '../workers/client.ts';
import type { LoadPackResult, LoadStockResult, ModelSource } from '../workers/protocol.ts';
import { analysisStore, emptyAnalysis, type AnalysisState } from './analysisStore.ts';
import { putBackSetAside } from './blockStoreSession.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore, type ModelOrigin, type ModelState } from './modelStore.ts';
import { appSession, queuedLoad, type ModelLoad, type PipelineSession } from './session.ts';
import { say, sayFailure } from './uiStore.ts';

export type { ModelLoad } from './session.ts';

/** Ids of stock exports opened tapped start with this (store/stockModel.ts). */
export const STOCK_ID_PREFIX = 'stock:';

/** How long a cancelled step may take to answer before its worker is ended (ORT runs cannot be interrupted). */
export const CANCEL_GRACE_MS = 2000;

/** What the worker answers a load with: a stock export's answer carries its probed manifest. */
export type LoadResultOf<L extends ModelLoad> = L extends { type: 'load-stock' } ? LoadStockResult : LoadPackResult;

/** The name of the open model, for "… stays open". */
export function openModelName(session: PipelineSession = appSession()): string | null {
  return session.opened?.name ?? null;
}

function loadRequest(session: PipelineSession, load: ModelLoad, preferred: readonly ExecutionProvider[]) {
  return load.type === 'load-pack' ? session.inference.request({ ...load, preferred }) : session.inference.request({ ...load, preferred });
}

/**
 * The worker holds the open model, opening it again after a reset. Resolves false when there is
 * nothing open, it could not be reopened, or another model was chosen meanwhile (the caller says
 * what that means for its job).
 */
export function ensureWorkerHolds(session: PipelineSession = appSession()): Promise<boolean> {
  if (!session.opened) return Promise.resolve(false);
  if (session.workerHolds === session.opened.load) return Promise.resolve(true);
  const asked = session.generation;
  return queuedLoad(session, async () => {
    const target = session.opened;
    // A model chosen since replaces this one (or, if it fails, holds this one again itself):
    // opening the old one first would only delay it, and hand its worker to a job of the old one.
    if (!target || session.generation !== asked) return false;
    if (session.workerHolds === target.load) return true;
    const { id, promise } = loadRequest(session, target.load, modelStore.getState().preferred);
    session.loadInFlight = id;
    try {
      const loaded = await promise;
      session.workerHolds = target.load;
      if (session.opened === target) modelStore.setState({ ep: loaded.ep, fallbackReason: loaded.fallbackReason, wasmThreads: loaded.wasmThreads });
      return true;
    } catch (error) {
      if (!isFailure(error, 'stopped')) {
        const failure = describeFailure(error, 'open the model again');
        modelStore.setState({ status: 'error', error: failure.message });
        sayFailure(
          'error',
          `${target.name} could not be opened again after the inference worker restarted: ${failure.message} Reload the page; your images and results are stored.`,
          failure,
        );
      }
      return false;
    } finally {
      if (session.loadInFlight === id) session.loadInFlight = null;
    }
  });
}

export async function openBuiltinPack(packId: string, session: PipelineSession = appSession()): Promise<void> {
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
  await openPack(packId, manifest, encoder, connector, `pack "${manifest.name}"`, session);
}

/** Open a validated pack (see openModel); `what` names it in messages. */
export async function openPack(
  packId: string,
  manifest: PackManifest,
  encoder: ModelSource,
  connector: ModelSource,
  what = `pack "${manifest.name}"`,
  session: PipelineSession = appSession(),
): Promise<boolean> {
  return (await openModel(packId, { type: 'load-pack', manifest, encoder, connector }, what, manifest.name, session)) !== null;
}

/**
 * Open any model in the inference worker; `what` names it in messages ("pack "Tiny"", a file
 * name), `name` is what the picker and later messages call it. The worker opens the new model
 * before it closes the old one, so a model that fails (corrupt ONNX, shapes that contradict the
 * manifest) leaves the previous model, its embeddings and its results exactly as they were; one
 * that is cancelled or replaced does too. Resolves to the worker's answer, or null when the model
 * did not open.
 */
export async function openModel<L extends ModelLoad>(
  packId: string,
  load: L,
  what: string,
  name: string,
  session: PipelineSession = appSession(),
): Promise<LoadResultOf<L> | null> {
  const mine = ++session.generation;
  // Another model is opening: this choice replaces it. Its worker may be stuck in the runtime, so it is ended.
  if (session.loadInFlight !== null) {
    session.workerHolds = null;
    session.inference.terminate();
  }
  cancelJobs();
  const before = modelStore.getState();
  const previous: ModelState = before.loading ? { ...before, status: before.manifest ? 'ready' : 'idle', loading: null } : before;
  let requestId: number | null = null;
  const cancel = () => {
    if (requestId !== null && session.generation === mine) session.inference.cancel(requestId, CANCEL_GRACE_MS);
  };
  modelStore.setState({ status: 'loading', error: null, loading: { packId, what, cancel } });
  let loaded: LoadResultOf<L>;
  try {
    loaded = await queuedLoad(session, async () => {
      if (session.generation !== mine) throw new SupersededError();
      const { id, promise } = loadRequest(session, load, previous.preferred);
      requestId = id;
      session.loadInFlight = id;
      try {
        return (await promise) as LoadResultOf<L>;
      } finally {
        if (session.loadInFlight === id) session.loadInFlight = null;
      }
    });
  } catch (error) {
    // A newer choice owns the state now.
    if (session.generation !== mine || error instanceof SupersededError) return null;
    modelStore.setState({
      ...previous,
      status: previous.manifest ? 'ready' : 'error',
      loading: null,
      error: previous.manifest ? null : describeFailure(error).message,
    });
    reportFailedOpen(session, what, describeFailure(error, `open ${what}`));
    // The worker was ended (cancel not answered, crash): the model that stays open must be held again.
    void ensureWorkerHolds(session);
    return null;
  }
  if (session.generation !== mine) return null;
  const manifest = load.type === 'load-pack' ? load.manifest : (loaded as LoadStockResult).manifest;
  session.opened = { packId, load, name };
  session.workerHolds = load;
  // A block store was open in the model's place: the collection it set aside comes back first,
  // with this model's results when it is the model that was set aside.
  const kept = putBackSetAside(loaded.modelKey);
  // Results first: nothing may show the previous model's numbers under the new model's name.
  analysisStore.setState(kept ?? firstLookOf(loaded.modelKey) ?? emptyAnalysis(loaded.modelKey));
  const origin: ModelOrigin = builtinPacks.some((p) => p.id === packId) ? { kind: 'builtin', id: packId } : { kind: 'files' };
  modelStore.setState({
    packId,
    modelKey: loaded.modelKey,
    manifest,
    origin,
    status: 'ready',
    loading: null,
    ep: loaded.ep,
    fallbackReason: loaded.fallbackReason,
    wasmThreads: loaded.wasmThreads,
    error: null,
  });
  await session.followers.modelOpened({ modelKey: loaded.modelKey });
  return loaded;
}

class SupersededError extends Error {}

/** The first look shown before this model opened (store/firstLook.ts), when it was filed under this model's key: kept, so the results do not blink out while the model embeds. */
function firstLookOf(modelKey: string): AnalysisState | null {
  const now = analysisStore.getState();
  const unopened = now.firstLook?.check.status === 'provisional' && Object.keys(now.embeddings).length === 0;
  return unopened && now.modelKey === modelKey ? now : null;
}

function reportFailedOpen(session: PipelineSession, what: string, failure: Failure): void {
  // While a block store is in the model's place, it is what stays (the worker's model is set aside).
  const current = modelStore.getState();
  const staying = current.origin?.kind === 'block-store' ? (current.userPack?.name ?? null) : (session.opened?.name ?? null);
  const stays = staying ? ` ${staying} stays open.` : '';
  if (failure.code === 'cancelled') say('info', `Stopped opening ${what}.${stays}`);
  else sayFailure('error', `Could not open ${what}: ${failure.message}${stays}`, failure);
}

/** Stop opening the model now opening, if any. */
export function cancelModelLoad(): void {
  modelStore.getState().loading?.cancel();
}

/** Cancel the jobs that belong to the open model (a new one is about to replace it). */
function cancelJobs(): void {
  const { embedJob, trainJob } = analysisStore.getState();
  embedJob?.cancel();
  trainJob?.cancel();
}

/**
 * After the WebGPU device was lost: a lost device leaves ORT's run hanging for good, so the old
 * worker is ended and the model opened again on WASM in a fresh one. Resolves true when it is.
 */
export async function recoverFromDeviceLoss(why: string, session: PipelineSession = appSession()): Promise<boolean> {
  session.inference.terminate();
  session.workerHolds = null;
  modelStore.setState({ preferred: ['wasm'] });
  const held = await ensureWorkerHolds(session);
  if (!held) return false;
  modelStore.setState({ fallbackReason: `WebGPU stopped working after the model opened (${why}); switched to WASM` });
  say('info', 'WebGPU stopped working (the graphics device was lost). The model was reopened on WASM and embedding carries on; nothing was lost.', {
    details: why,
  });
  return true;
}

/**
 * The inference worker was reset (store/pipeline.ts registers this on the session's client). A
 * crashed or stopped worker holds nothing; a crash is reported here, a stop by whoever stopped it.
 */
export function afterInferenceReset(session: PipelineSession, reset: WorkerReset): void {
  session.workerHolds = null;
  const opened = session.opened;
  if (reset.code !== 'crashed' || !opened) {
    // Stopped because a cancel hung: keep the open model ready for the next job.
    if (session.loadInFlight === null) void ensureWorkerHolds(session);
    return;
  }
  const name = opened.name;
  void ensureWorkerHolds(session).then((held) => {
    if (!held) return;
    const { embeddings, failures } = analysisStore.getState();
    const waiting = collectionStore.getState().images.filter((i) => !embeddings[i.id] && !failures[i.id]).length;
    const rest = waiting > 0 ? `; ${waiting} image${waiting === 1 ? '' : 's'} wait for "Embed ${waiting} waiting"` : '';
    say('error', `The inference worker crashed and was restarted with ${name} reopened. Everything embedded so far is kept${rest}.`, { details: reset.reason });
  });
}

/** Browser-test hooks: destroy the inference worker's WebGPU device, as a driver reset would; crash the worker. */
export const debugHooks = {
  loseWebGpuDevice: (): Promise<boolean> => appSession().inference.request({ type: 'debug-lose-webgpu' }).promise,
  crashInferenceWorker: (): void => {
    // The request never answers: the crash fails it, and the reset listener reports the crash.
    appSession()
      .inference.request({ type: 'debug-crash' })
      .promise.then(
        () => undefined,
        () => undefined,
      );
  },
};
