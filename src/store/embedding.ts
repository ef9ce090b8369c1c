/**
 * Embedding the collection: every image the open model has not seen goes to the inference worker,
 * tokens stream back one image at a time and are filed under the model's content key: the token
 * matrices in the tokens worker (store/tokens.ts), the pooled vectors and display crop here.
 *
 * No image may hold the app hostage: each has a time budget (IMAGE_BUDGET_MS, `?imageBudget=`
 * seconds in the URL). An image that overruns it, or a Cancel the worker does not answer within
 * the grace period, ends the worker; the image is marked failed with a message saying why, the
 * images after it stay waiting, and the model is opened again in a fresh worker.
 *
 * The job in flight is the session's (store/session.ts `embedding`), so a second request waits
 * for it instead of embedding the same images twice; a job that recovers from a lost WebGPU device
 * stays one job, so it never looks finished (no job, KNOR shown) while images still wait for it.
 */
import { isFailure, type Failure } from '../core/errors.ts';
import { analysisStore } from './analysisStore.ts';
import { collectionStore, type ImageEntry } from './collectionStore.ts';
import { CANCEL_GRACE_MS, ensureWorkerHolds, openModelName, recoverFromDeviceLoss } from './modelSession.ts';
import { modelStore } from './modelStore.ts';
import { appSession, type PipelineSession } from './session.ts';
import { keepTokens, shapeOf } from './tokens.ts';
import { say, sayFailure } from './uiStore.ts';

const DEFAULT_IMAGE_BUDGET_MS = 120_000;

/** How long one image may take in the encoder and connector; `?imageBudget=<seconds>` sets it. */
export function imageBudgetMs(search = typeof location === 'undefined' ? '' : location.search): number {
  const seconds = Number(new URLSearchParams(search).get('imageBudget'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_IMAGE_BUDGET_MS;
}

type ImageToEmbed = { readonly imageId: string; readonly name: string; readonly blob: Blob };

/** What waits to be embedded: the ready model's key and the images it has neither embedded nor failed on; null while no model is ready. */
function waitingWork(): { readonly modelKey: string; readonly blockStore: boolean; readonly todo: readonly ImageEntry[] } | null {
  const { status, modelKey, origin } = modelStore.getState();
  if (status !== 'ready' || !modelKey) return null;
  const { embeddings, failures } = analysisStore.getState();
  const todo = collectionStore.getState().images.filter((i) => !embeddings[i.id] && !failures[i.id]);
  return { modelKey, blockStore: origin?.kind === 'block-store', todo };
}

const toEmbed = (images: readonly ImageEntry[]): ImageToEmbed[] => images.map((i) => ({ imageId: i.id, name: i.name, blob: i.blob }));

/** Embed every collection image the open model has not seen yet. */
export function embedPending(session: PipelineSession = appSession()): Promise<void> {
  if (session.embedding) return session.embedding.then(() => embedPending(session));
  const work = waitingWork();
  if (!work || work.todo.length === 0) return Promise.resolve();
  const { modelKey, todo } = work;
  // A block store's vectors come from its files: there is no model here to embed new images with.
  if (work.blockStore) {
    const why = 'A block store is open: its vectors come from its files, and no model is open to embed new images. Choose a model pack to embed them.';
    analysisStore.setState((s) => ({ failures: { ...s.failures, ...Object.fromEntries(todo.map((i) => [i.id, why])) } }));
    say('warning', why);
    return Promise.resolve();
  }
  const run = runEmbed(session, modelKey, toEmbed(todo)).finally(() => {
    session.embedding = null;
  });
  session.embedding = run;
  return run;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A job the user cancelled (before it reached the worker, or answered by it). */
const sayCancelled = (done: number, total: number) => say('info', `Embedding cancelled after ${done} of ${total} images; the rest stay queued.`);

/** One embedding job, shown as one bar from start to end; KNOR refreshes once, when it ends. */
async function runEmbed(session: PipelineSession, modelKey: string, images: readonly ImageToEmbed[]): Promise<void> {
  const isCurrent = () => analysisStore.getState().modelKey === modelKey;
  // Until the job is in the worker, Cancel is remembered here (a job may wait for the worker to
  // open the model again; choosing another model cancels it there, and it must not go on after).
  let cancelledBeforeWorker = false;
  const showJob = (total: number) =>
    analysisStore.setState({
      embedJob: {
        label: 'Embedding images',
        done: 0,
        total,
        startedAt: Date.now(),
        cancel: () => {
          cancelledBeforeWorker = true;
        },
      },
    });
  let batch = images;
  showJob(batch.length);
  try {
    for (;;) {
      const started = performance.now();
      if (!(await ensureWorkerHolds(session))) return;
      if (!isCurrent()) return;
      if (cancelledBeforeWorker) {
        sayCancelled(0, batch.length);
        return;
      }
      if (!(await embedInWorker(session, modelKey, batch, started))) return;
      // After a device loss the pass ended early on purpose: the fresh worker takes the rest, in
      // the same job (between two jobs the app would look finished with images still waiting).
      const work = waitingWork();
      if (!work || work.modelKey !== modelKey || work.blockStore || work.todo.length === 0 || !isCurrent()) return;
      batch = toEmbed(work.todo);
      showJob(batch.length);
    }
  } finally {
    if (isCurrent()) analysisStore.setState({ embedJob: null });
    await session.followers.embeddingEnded();
  }
}

/** One request to the worker; true when it ended early because the worker was replaced after a device loss (the rest should go to the fresh one). */
async function embedInWorker(session: PipelineSession, modelKey: string, images: readonly ImageToEmbed[], started: number): Promise<boolean> {
  const isCurrent = () => analysisStore.getState().modelKey === modelKey;
  const budget = imageBudgetMs();
  let answered = 0;
  let overran: { readonly imageId: string; readonly name: string } | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const inference = session.inference;
  const { id, promise } = inference.request(
    { type: 'embed', images: images.map(({ imageId, blob }) => ({ imageId, blob })) },
    {
      onItem: (item) => {
        answered += 1;
        armWatchdog();
        if (!isCurrent()) return;
        if (item.ok) {
          const { pre, post, pooledPre, pooledPost, display } = item;
          const manifest = modelStore.getState().manifest;
          // The matrices go on to the tokens worker; this thread keeps what it draws.
          if (manifest) void keepTokens(modelKey, item.imageId, shapeOf(manifest.tokens), pre, post, true, session);
          analysisStore.setState((s) => ({ embeddings: { ...s.embeddings, [item.imageId]: { pooledPre, pooledPost, display } } }));
        } else {
          const name = images.find((i) => i.imageId === item.imageId)?.name ?? 'An image';
          markFailed(item.imageId, name, item.failure);
        }
      },
      onProgress: ({ done, total }) => analysisStore.setState((s) => (s.embedJob && isCurrent() ? { embedJob: { ...s.embedJob, done, total } } : {})),
    },
  );
  function armWatchdog(): void {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      const stuck = images[answered];
      if (!stuck || !inference.isPending(id)) return;
      overran = stuck;
      inference.stop(`${stuck.name} took longer than ${Math.round(budget / 1000)} s`);
    }, budget);
  }
  armWatchdog();
  analysisStore.setState((s) => (s.embedJob ? { embedJob: { ...s.embedJob, cancel: () => inference.cancel(id, CANCEL_GRACE_MS) } } : {}));
  try {
    const result = await promise;
    if (result.cancelled) sayCancelled(result.done, images.length);
    analysisStore.setState({ lastEmbedMs: performance.now() - started });
    return false;
  } catch (error) {
    if (!isFailure(error)) throw error;
    if (overran !== null) {
      const { imageId, name } = overran;
      const waiting = images.length - answered - 1;
      markFailed(imageId, name, {
        code: 'timeout',
        message: `${name} took longer than ${Math.round(budget / 1000)} s in ${openModelName(session) ?? 'the model'}, so it was stopped and left out. The model may be too slow for this browser, or stuck on this image.${waiting > 0 ? ` The other ${plural(waiting, 'image')} wait: "Embed ${waiting} waiting" tries them.` : ''}`,
        details: null,
      });
      return false;
    }
    switch (error.code) {
      case 'device-lost':
        return recoverFromDeviceLoss(error.details ?? 'no reason given', session);
      case 'cancelled':
        say(
          'info',
          `Embedding cancelled after ${answered} of ${images.length} images (the model did not stop by itself, so its worker was restarted); the rest stay queued.`,
        );
        return false;
      case 'crashed':
      case 'stopped':
        // Reported by whoever stopped it (another model chosen) or by the crash handler.
        return false;
      default:
        sayFailure('error', `Embedding stopped: ${error.message}`, error.failure);
        return false;
    }
  } finally {
    clearTimeout(watchdog);
  }
}

function markFailed(imageId: string, name: string, failure: Failure): void {
  analysisStore.setState((s) => ({ failures: { ...s.failures, [imageId]: failure.message } }));
  sayFailure('error', failure.message.startsWith(name) ? failure.message : `${name}: ${failure.message}`, failure); // wording only: the image is named once
}
