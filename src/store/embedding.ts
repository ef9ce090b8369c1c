/**
 * Embedding the collection: every image the open model has not seen goes to the inference worker,
 * tokens stream back one image at a time and are filed under the model's content key.
 *
 * No image may hold the app hostage: each has a time budget (IMAGE_BUDGET_MS, `?imageBudget=`
 * seconds in the URL). An image that overruns it, or a Cancel the worker does not answer within
 * the grace period, ends the worker; the image is marked failed with a message saying why, the
 * images after it stay waiting, and the model is opened again in a fresh worker.
 */
import { isFailure, type Failure } from '../core/errors.ts';
import { inferenceClient } from '../workers/clients.ts';
import { analysisStore } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { CANCEL_GRACE_MS, ensureWorkerHolds, openModelName, recoverFromDeviceLoss } from './modelSession.ts';
import { modelStore } from './modelStore.ts';
import { say, sayFailure } from './uiStore.ts';

const DEFAULT_IMAGE_BUDGET_MS = 120_000;

/** How long one image may take in the encoder and connector; `?imageBudget=<seconds>` sets it. */
export function imageBudgetMs(search = typeof location === 'undefined' ? '' : location.search): number {
  const seconds = Number(new URLSearchParams(search).get('imageBudget'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_IMAGE_BUDGET_MS;
}

let embedding: Promise<void> | null = null;

/** Listeners that want to know when an embedding job ended (KNOR refreshes from here). */
let afterEmbedding: () => Promise<void> = async () => {};
export function whenEmbeddingEnds(listener: () => Promise<void>): void {
  afterEmbedding = listener;
}

/** Embed every collection image the open model has not seen yet. */
export function embedPending(): Promise<void> {
  if (embedding) return embedding.then(() => embedPending());
  const { status, modelKey, origin } = modelStore.getState();
  if (status !== 'ready' || !modelKey) return Promise.resolve();
  const { embeddings, failures } = analysisStore.getState();
  const todo = collectionStore.getState().images.filter((i) => !embeddings[i.id] && !failures[i.id]);
  if (todo.length === 0) return Promise.resolve();
  // A block store's vectors come from its files: there is no model here to embed new images with.
  if (origin?.kind === 'block-store') {
    const why = 'A block store is open: its vectors come from its files, and no model is open to embed new images. Choose a model pack to embed them.';
    analysisStore.setState((s) => ({ failures: { ...s.failures, ...Object.fromEntries(todo.map((i) => [i.id, why])) } }));
    say('warning', why);
    return Promise.resolve();
  }
  const run = runEmbed(
    modelKey,
    todo.map((i) => ({ imageId: i.id, name: i.name, blob: i.blob })),
  ).finally(() => {
    embedding = null;
  });
  embedding = run.then(() => undefined);
  // After a device loss the job ended early on purpose: the fresh worker takes the rest.
  return run.then((again) => (again ? embedPending() : undefined));
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Returns true when the job should run again (the worker was replaced after a device loss). */
async function runEmbed(modelKey: string, images: readonly { imageId: string; name: string; blob: Blob }[]): Promise<boolean> {
  const started = performance.now();
  const isCurrent = () => analysisStore.getState().modelKey === modelKey;
  analysisStore.setState({ embedJob: { label: 'Embedding images', done: 0, total: images.length, startedAt: Date.now(), cancel: () => undefined } });
  try {
    if (!(await ensureWorkerHolds())) return false;
    if (!isCurrent()) return false;
    return await embedInWorker(modelKey, images, started);
  } finally {
    if (isCurrent()) analysisStore.setState({ embedJob: null });
    await afterEmbedding();
  }
}

async function embedInWorker(modelKey: string, images: readonly { imageId: string; name: string; blob: Blob }[], started: number): Promise<boolean> {
  const isCurrent = () => analysisStore.getState().modelKey === modelKey;
  const budget = imageBudgetMs();
  let answered = 0;
  let overran: { readonly imageId: string; readonly name: string } | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const { id, promise } = inferenceClient.request(
    { type: 'embed', images: images.map(({ imageId, blob }) => ({ imageId, blob })) },
    {
      onItem: (item) => {
        answered += 1;
        armWatchdog();
        if (!isCurrent()) return;
        if (item.ok) {
          const { pre, post, pooledPre, pooledPost, display } = item;
          analysisStore.setState((s) => ({ embeddings: { ...s.embeddings, [item.imageId]: { pre, post, pooledPre, pooledPost, display } } }));
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
      if (!stuck || !inferenceClient.isPending(id)) return;
      overran = stuck;
      inferenceClient.stop(`${stuck.name} took longer than ${Math.round(budget / 1000)} s`);
    }, budget);
  }
  armWatchdog();
  analysisStore.setState((s) => (s.embedJob ? { embedJob: { ...s.embedJob, cancel: () => inferenceClient.cancel(id, CANCEL_GRACE_MS) } } : {}));
  try {
    const result = await promise;
    if (result.cancelled) say('info', `Embedding cancelled after ${result.done} of ${images.length} images; the rest stay queued.`);
    analysisStore.setState({ lastEmbedMs: performance.now() - started });
    return false;
  } catch (error) {
    if (!isFailure(error)) throw error;
    if (overran !== null) {
      const { imageId, name } = overran;
      const waiting = images.length - answered - 1;
      markFailed(imageId, name, {
        code: 'timeout',
        message: `${name} took longer than ${Math.round(budget / 1000)} s in ${openModelName() ?? 'the model'}, so it was stopped and left out. The model may be too slow for this browser, or stuck on this image.${waiting > 0 ? ` The other ${plural(waiting, 'image')} wait: "Embed ${waiting} waiting" tries them.` : ''}`,
        details: null,
      });
      return false;
    }
    switch (error.code) {
      case 'device-lost':
        return recoverFromDeviceLoss(error.details ?? 'no reason given');
      case 'cancelled':
        say('info', `Embedding cancelled after ${answered} of ${images.length} images (the model did not stop by itself, so its worker was restarted); the rest stay queued.`);
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
