/**
 * The pipeline's wiring (store/pipeline.ts) over one session object (store/session.ts): the real
 * stores and effects, each session over its own WorkerClients whose workers are scripted
 * (tests/support/scriptedWorker.ts), a fresh session per test and no module reloads.
 * - a model that opens gets its stored results back and only its waiting images embedded, then KNOR;
 * - KNOR follows k and removals by subscription, and shows the newest request's answer only;
 * - choosing another model while a load hangs ends the hung worker and opens the new model with
 *   every image embedded, no load bar left (as the browser test checks, and once saw fail on CI);
 * - a lost WebGPU device mid-job stays one job: the app never looks finished while images wait;
 * - an embedding job cancelled while it waits for the worker does not go on after;
 * - two sessions share nothing, and nothing listens before wiring or after unwiring.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFirstLook } from '../../src/core/imageset/firstLook.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { analysisStore, emptyAnalysis } from '../../src/store/analysisStore.ts';
import { addImages, collectionStore, nextImageId, removeImage, type ImageEntry } from '../../src/store/collectionStore.ts';
import { embedPending } from '../../src/store/embedding.ts';
import { showFirstLook } from '../../src/store/firstLook.ts';
import { CANCEL_GRACE_MS, ensureWorkerHolds, openPack } from '../../src/store/modelSession.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { computeKnor } from '../../src/store/neighbours.ts';
import { startPersisting, storageSummary } from '../../src/store/persistence.ts';
import { wirePipeline } from '../../src/store/pipeline.ts';
import { appSession, createPipelineSession, type PipelineSession } from '../../src/store/session.ts';
import { keepTokens, shapeOf } from '../../src/store/tokens.ts';
import { uiStore } from '../../src/store/uiStore.ts';
import { WorkerClient } from '../../src/workers/client.ts';
import type { AnalysisCalls, InferenceCalls, TokensCalls, TrainingCalls } from '../../src/workers/protocol.ts';
import { ScriptedWorker, type Message, type Script } from '../support/scriptedWorker.ts';
import { VIT_MLP_MANIFEST, blankImage, replyAllEmbedded, replyEmbedded, zeroEmbedding } from '../support/storeFixtures.ts';

const MANIFEST = VIT_MLP_MANIFEST;

/** Each model (by manifest name) answers its load with its own content key. */
const keyOf = (name: string) => `m1-${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}`;
const manifestNamed = (name: string): PackManifest => ({ ...MANIFEST, name });
const nameOf = (message: Message) => (message.manifest as PackManifest).name;

/** An inference worker that opens every model but those named in `hanging` (their warm-up never returns) and embeds every image. */
function inferenceScript(options: { hanging?: readonly string[]; onEmbed?: (message: Message, worker: ScriptedWorker) => boolean } = {}): Script {
  return (message, worker) => {
    if (message.type === 'load-pack') {
      if (options.hanging?.includes(nameOf(message))) return;
      worker.reply({
        type: 'result',
        id: message.id,
        result: { modelKey: keyOf(nameOf(message)), ep: (message.preferred as string[])[0], fallbackReason: null, wasmThreads: 1, loadMs: 1 },
      });
    } else if (message.type === 'embed') {
      if (options.onEmbed?.(message, worker)) return;
      replyAllEmbedded(message, worker, 'wasm');
    }
  };
}

/** An analysis worker that keeps the last vectors sent (by key), asks for them when it lacks them, and answers KNOR. */
function knnScript(hold?: (answer: () => void, message: Message) => void): Script {
  const held = new Map<ScriptedWorker, { key: string; n: number }>();
  return (message, worker) => {
    if (message.type !== 'knn') return;
    const data = message.data as { n: number } | null;
    if (data) held.set(worker, { key: message.dataKey as string, n: data.n });
    const vectors = held.get(worker);
    if (!vectors || vectors.key !== message.dataKey) return worker.reply({ type: 'result', id: message.id, result: { status: 'need-data' } });
    const k = message.k as number;
    const answer = () =>
      worker.reply({
        type: 'result',
        id: message.id,
        result: {
          status: 'ok',
          nnPre: new Int32Array(vectors.n * k),
          nnPost: new Int32Array(vectors.n * k),
          perImage: new Float32Array(vectors.n),
          mean: 0.5,
          search: { productThreads: null, uncertifiedRows: 0 },
        },
      });
    if (hold) hold(answer, message);
    else answer();
  };
}

/** A session over its own scripted workers, named with `tag` so two sessions' workers never mix. */
function harness(tag = '') {
  const spawn = (kind: string) => () => new ScriptedWorker(undefined, { name: `${kind}${tag}` }) as unknown as Worker;
  const session: PipelineSession = createPipelineSession({
    inference: new WorkerClient<InferenceCalls>(spawn('inference'), 'the inference worker'),
    analysis: new WorkerClient<AnalysisCalls>(spawn('analysis'), 'the analysis worker'),
    training: new WorkerClient<TrainingCalls>(spawn('training'), 'the training worker'),
    tokens: new WorkerClient<TokensCalls>(spawn('tokens'), 'the tokens worker'),
  });
  const workers = (kind: string) => ScriptedWorker.spawned.filter((w) => w.name === `${kind}${tag}`);
  return {
    session,
    script: (kind: 'inference' | 'analysis', script: Script) => ScriptedWorker.scripts.set(`${kind}${tag}`, script),
    inferenceWorkers: () => workers('inference'),
    analysisWorkers: () => workers('analysis'),
    /** Every message the inference workers got, in order, as "type name" ("load-pack B", "embed 4"). */
    inferenceLog: () =>
      workers('inference').flatMap((w) =>
        w.received.map((m) => (m.type === 'load-pack' ? `load-pack ${nameOf(m)}` : m.type === 'embed' ? `embed ${(m.images as unknown[]).length}` : m.type)),
      ),
    open: (name: string) =>
      openPack(
        `pack-${name}`,
        manifestNamed(name),
        { kind: 'url', url: `${name}/encoder.onnx` },
        { kind: 'url', url: `${name}/connector.onnx` },
        undefined,
        session,
      ),
  };
}

function images(n: number): ImageEntry[] {
  return Array.from({ length: n }, (_, i) => blankImage(nextImageId(), { name: `img-${i}.png` }));
}

const texts = () => uiStore.getState().messages.map((m) => m.text);
const waitingIds = () =>
  collectionStore
    .getState()
    .images.filter((i) => !analysisStore.getState().embeddings[i.id] && !analysisStore.getState().failures[i.id])
    .map((i) => i.id);

let unwire: () => void = () => undefined;

beforeEach(() => {
  ScriptedWorker.scripts = new Map();
  ScriptedWorker.spawned = [];
  modelStore.setState(modelStore.getInitialState(), true);
  analysisStore.setState(analysisStore.getInitialState(), true);
  collectionStore.setState(collectionStore.getInitialState(), true);
  // k = 1: KNOR needs two embedded images, not eleven.
  uiStore.setState({ ...uiStore.getInitialState(), k: 1 }, true);
});

afterEach(() => {
  unwire();
  unwire = () => undefined;
  vi.useRealTimers();
});

describe('a model that opens', () => {
  it('gets its stored results back and only its waiting images embedded, then KNOR over all of them', async () => {
    const app = harness();
    const all = images(4);
    addImages(all);
    // What an earlier visit stored for model A: two of the four images.
    const stopPersisting = startPersisting();
    analysisStore.setState(emptyAnalysis(keyOf('A')));
    // (Their tokens are in the tokens worker, as its files would bring them back after a reload.)
    for (const image of all.slice(0, 2)) {
      const { pre, post, dPre, dPost } = MANIFEST.tokens;
      await keepTokens(keyOf('A'), image.id, shapeOf(MANIFEST.tokens), new Float32Array(pre * dPre), new Float32Array(post * dPost), false, app.session);
    }
    analysisStore.setState({ embeddings: { [all[0]!.id]: zeroEmbedding(), [all[1]!.id]: zeroEmbedding() } });
    await vi.waitFor(async () => expect((await storageSummary()).embeddings).toBeGreaterThanOrEqual(2));
    stopPersisting();
    analysisStore.setState(emptyAnalysis(null));

    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    app.script('analysis', knnScript());
    expect(await app.open('A')).toBe(true);

    expect(app.inferenceLog()).toEqual(['load-pack A', 'embed 2']);
    const embedRequest = app.inferenceWorkers()[0]!.received.find((m) => m.type === 'embed')!;
    expect((embedRequest.images as { imageId: string }[]).map((i) => i.imageId)).toEqual([all[2]!.id, all[3]!.id]);
    const { modelKey, embeddings, embedJob, knor } = analysisStore.getState();
    expect(modelKey).toBe(keyOf('A'));
    expect(Object.keys(embeddings).sort()).toEqual(all.map((i) => i.id).sort());
    expect(embedJob).toBeNull();
    expect(knor?.ids).toEqual(all.map((i) => i.id));
    expect(modelStore.getState()).toMatchObject({ packId: 'pack-A', modelKey: keyOf('A'), status: 'ready', loading: null });
  });

  it('with nothing stored embeds every image, and KNOR follows k and removals by subscription', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    app.script('analysis', knnScript());
    const all = images(3);
    addImages(all);
    await app.open('A');
    expect(app.inferenceLog()).toEqual(['load-pack A', 'embed 3']);
    expect(analysisStore.getState().knor).toMatchObject({ k: 1, ids: all.map((i) => i.id) });

    // No view asks: the subscription does.
    uiStore.setState({ k: 2 });
    await vi.waitFor(() => expect(analysisStore.getState().knor?.k).toBe(2));
    uiStore.setState({ k: 1 });
    await vi.waitFor(() => expect(analysisStore.getState().knor?.k).toBe(1));
    removeImage(all[1]!.id);
    await vi.waitFor(() => expect(analysisStore.getState().knor?.ids).toEqual([all[0]!.id, all[2]!.id]));
    // k = 2 needs three images: KNOR says why it is not shown instead.
    uiStore.setState({ k: 2 });
    await vi.waitFor(() =>
      expect(analysisStore.getState().knorBlocked).toBe('KNOR with k = 2 needs at least 3 images; 2 are embedded. Add 1 more or lower k.'),
    );
    expect(analysisStore.getState().knor).toBeNull();
  });
});

describe('a long neighbour search', () => {
  it('shows its progress in the KNOR panel’s bar and stops on Cancel, keeping nothing half-done; the next change searches again', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    let searches = 0;
    const answering = knnScript();
    // The first search reports 40% and then waits; it answers a Cancel as the worker does (cancelled).
    app.script('analysis', (message, worker) => {
      if (message.type === 'cancel')
        return worker.reply({ type: 'error', id: message.target, error: { code: 'cancelled', message: 'Cancelled.', details: null } });
      if (message.type === 'knn' && message.data && ++searches === 1)
        return worker.reply({ type: 'progress', id: message.id, progress: { done: 40, total: 100 } });
      answering(message, worker);
    });
    const all = images(3);
    addImages(all);
    // Opening ends with the first KNOR: it waits for the search.
    const opened = app.open('A');
    await vi.waitFor(() =>
      expect(analysisStore.getState().searchJob).toMatchObject({ label: 'Neighbour search over 3 images, percent', done: 40, total: 100 }),
    );
    expect(analysisStore.getState().knor).toBeNull();

    analysisStore.getState().searchJob!.cancel();
    expect(await opened).toBe(true);
    expect(analysisStore.getState().searchJob).toBeNull();
    expect(texts().at(-1)).toBe('Stopped the neighbour search over 3 images. A new search starts when k, the metric or the images change.');
    expect(analysisStore.getState().knor).toBeNull();
    expect(app.analysisWorkers()[0]!.received.filter((m) => m.type === 'cancel')).toHaveLength(1);

    // The vectors were not kept (the search did not finish): the next request sends them again and is answered.
    uiStore.setState({ metric: 'l2' });
    await vi.waitFor(() => expect(analysisStore.getState().knor).toMatchObject({ metric: 'l2', ids: all.map((i) => i.id) }));
    expect(searches).toBe(2);
    expect(analysisStore.getState().searchJob).toBeNull();
  });
});

describe('KNOR shows the newest request', () => {
  it('an older request answered last does not overwrite a newer one', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    const waiting: { k: number; answer: () => void }[] = [];
    let holding = false;
    app.script('inference', inferenceScript());
    app.script(
      'analysis',
      knnScript((answer, message) => (holding ? waiting.push({ k: message.k as number, answer }) : answer())),
    );
    addImages(images(4));
    await app.open('A');
    expect(analysisStore.getState().knor?.k).toBe(1);

    holding = true;
    uiStore.setState({ k: 2 });
    uiStore.setState({ k: 3 });
    await vi.waitFor(() => expect(waiting.map((w) => w.k)).toEqual([2, 3]));
    // The analysis worker builds tables asynchronously: answers may come back out of order.
    waiting[1]!.answer();
    await vi.waitFor(() => expect(analysisStore.getState().knor?.k).toBe(3));
    waiting[0]!.answer();
    await new Promise((r) => setTimeout(r, 10));
    expect(analysisStore.getState().knor?.k).toBe(3);
  });
});

describe('the before/after maps', () => {
  it('are laid out from the vectors KNOR sent, once per set of vectors and metric, the newest answer shown', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    const knn = knnScript();
    const layouts: Message[] = [];
    let holdLayouts = false;
    const held: (() => void)[] = [];
    app.script('analysis', (message, worker) => {
      if (message.type !== 'map-layout') return knn(message, worker);
      layouts.push(message);
      const n = analysisStore.getState().knor!.ids.length;
      const tag = layouts.length;
      const answer = () =>
        worker.reply({
          type: 'result',
          id: message.id,
          result: { status: 'ok', pre: new Float32Array(2 * n).fill(tag), post: new Float32Array(2 * n), explainedPre: [0.5, 0.2], explainedPost: [0.4, 0.3] },
        });
      if (holdLayouts) held.push(answer);
      else answer();
    });
    const all = images(3);
    addImages(all);
    await app.open('A');
    await vi.waitFor(() => expect(analysisStore.getState().maps?.ids).toEqual(all.map((i) => i.id)));
    const knnKey = app.analysisWorkers()[0]!.received.find((m) => m.type === 'knn')!.dataKey;
    expect(layouts.map((m) => [m.dataKey, m.metric])).toEqual([[knnKey, 'cosine']]);

    // A new k reuses the maps: same vectors, same metric.
    uiStore.setState({ k: 2 });
    await vi.waitFor(() => expect(analysisStore.getState().knor?.k).toBe(2));
    expect(layouts).toHaveLength(1);

    // A new metric lays them out again (unit-length rows for cosine, raw for L2).
    holdLayouts = true;
    uiStore.setState({ metric: 'l2' });
    await vi.waitFor(() => expect(layouts.map((m) => m.metric)).toEqual(['cosine', 'l2']));
    expect(analysisStore.getState().mapsProgress).toBe(0);
    // Back to cosine before the L2 layout answers: the cosine maps shown stay, and the late L2 answer is dropped.
    uiStore.setState({ metric: 'cosine' });
    await vi.waitFor(() => expect(analysisStore.getState().knor?.metric).toBe('cosine'));
    held[0]!();
    await new Promise((r) => setTimeout(r, 20));
    expect(layouts).toHaveLength(2);
    expect(analysisStore.getState().maps).toMatchObject({ metric: 'cosine' });
    expect(analysisStore.getState().maps?.pre[0]).toBe(1);
    expect(analysisStore.getState().mapsProgress).toBeNull();
    // Then L2 again: laid out, and shown.
    holdLayouts = false;
    uiStore.setState({ metric: 'l2' });
    await vi.waitFor(() => expect(analysisStore.getState().maps).toMatchObject({ metric: 'l2' }));
    expect(analysisStore.getState().maps?.pre[0]).toBe(3);
  });
});

describe('choosing another model while a load hangs', () => {
  it('ends the hung worker and opens the new model: every image embedded, KNOR shown, no load bar left', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript({ hanging: ['Hang'] }));
    app.script('analysis', knnScript());
    addImages(images(4));
    expect(await app.open('A')).toBe(true);

    const hung = app.open('Hang');
    await vi.waitFor(() => expect(app.inferenceLog().at(-1)).toBe('load-pack Hang'));
    expect(modelStore.getState().loading?.what).toBe('pack "Hang"');
    expect(await app.open('B')).toBe(true);
    expect(await hung).toBe(false);

    const [first, second] = app.inferenceWorkers();
    expect(first!.terminated).toBe(true);
    expect(second!.received.map((m) => (m.type === 'load-pack' ? `load-pack ${nameOf(m)}` : `${m.type} ${(m.images as unknown[]).length}`))).toEqual([
      'load-pack B',
      'embed 4',
    ]);
    expect(modelStore.getState()).toMatchObject({ packId: 'pack-B', modelKey: keyOf('B'), status: 'ready', loading: null, error: null });
    const { modelKey, embedJob, knor, failures } = analysisStore.getState();
    expect({ modelKey, embedJob, failures, waiting: waitingIds() }).toEqual({ modelKey: keyOf('B'), embedJob: null, failures: {}, waiting: [] });
    expect(knor?.ids).toHaveLength(4);
    // The replaced load is not news: nothing says it failed.
    expect(texts().filter((t) => /Hang|could not|Could not/.test(t))).toEqual([]);
  });

  it('as the browser test plays it: a hung load cancelled, an image added, another hung load replaced by a pick', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript({ hanging: ['Hang'] }));
    app.script('analysis', knnScript());
    addImages(images(3));
    await app.open('A');

    // Cancel a hung load: its worker is ended after the grace period, A stays and is held again.
    const cancelled = app.open('Hang');
    await vi.waitFor(() => expect(app.inferenceLog().at(-1)).toBe('load-pack Hang'));
    modelStore.getState().loading!.cancel();
    await vi.advanceTimersByTimeAsync(CANCEL_GRACE_MS + 10);
    expect(await cancelled).toBe(false);
    expect(texts()).toContain('Stopped opening pack "Hang". A stays open.');
    addImages(images(1));
    await embedPending(app.session);
    expect(Object.keys(analysisStore.getState().embeddings)).toHaveLength(4);

    // Another hung load, and a pick while it hangs.
    const replaced = app.open('Hang');
    await vi.waitFor(() => expect(app.inferenceLog().at(-1)).toBe('load-pack Hang'));
    expect(await app.open('B')).toBe(true);
    expect(await replaced).toBe(false);

    expect(app.inferenceLog()).toEqual([
      'load-pack A',
      'embed 3',
      'load-pack Hang',
      'cancel',
      'load-pack A',
      'embed 1',
      'load-pack Hang',
      'load-pack B',
      'embed 4',
    ]);
    expect(modelStore.getState()).toMatchObject({ packId: 'pack-B', status: 'ready', loading: null });
    expect(analysisStore.getState()).toMatchObject({ modelKey: keyOf('B'), embedJob: null, failures: {} });
    expect(waitingIds()).toEqual([]);
    expect(analysisStore.getState().knor?.ids).toHaveLength(4);
  });

  it('an embedding job waiting for the old model to be reopened leaves the worker to the model chosen since', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = harness();
    unwire = wirePipeline(app.session);
    const { job, releaseReopen } = await jobWaitingForReopen(app);
    const opened = app.open('B');
    releaseReopen();
    expect(await opened).toBe(true);
    await job;

    // The third worker (after the hung embed's and the reopen's) went straight to B: A was not
    // opened again in it, nor embedded there by its old job.
    expect(app.inferenceWorkers()).toHaveLength(3);
    expect(app.inferenceWorkers()[2]!.received.map((m) => m.type)).toEqual(['load-pack', 'embed']);
    expect(app.inferenceLog().slice(-2)).toEqual(['load-pack B', 'embed 2']);
    expect(analysisStore.getState()).toMatchObject({ modelKey: keyOf('B'), failures: {}, embedJob: null });
    expect(waitingIds()).toEqual([]);
  });

  it('Cancel on an embedding job that waits for the worker stops it there', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = harness();
    unwire = wirePipeline(app.session);
    const { job, releaseReopen } = await jobWaitingForReopen(app);
    analysisStore.getState().embedJob!.cancel();
    releaseReopen();
    await job;

    expect(app.inferenceLog().slice(-1)).toEqual(['load-pack A']);
    expect(texts().at(-1)).toBe('Embedding cancelled after 0 of 2 images; the rest stay queued.');
    expect(analysisStore.getState().embedJob).toBeNull();
    expect(waitingIds()).toHaveLength(2);
  });
});

/**
 * Model A open with two images waiting, its worker ended (an embed that ignored Cancel), the
 * reopen of A hanging until released, and a new embedding job waiting for that reopen.
 */
async function jobWaitingForReopen(app: ReturnType<typeof harness>): Promise<{ job: Promise<void>; releaseReopen: () => void }> {
  let embeds = 0;
  let loadsOfA = 0;
  let releaseReopen: (() => void) | null = null;
  const base = inferenceScript({ onEmbed: () => ++embeds === 1 });
  app.script('inference', (message, worker) => {
    if (message.type === 'load-pack' && nameOf(message) === 'A' && ++loadsOfA === 2) {
      releaseReopen = () => base(message, worker);
      return;
    }
    base(message, worker);
  });
  app.script('analysis', knnScript());
  addImages(images(2));
  const first = app.open('A');
  await vi.waitFor(() => expect(app.inferenceLog()).toContain('embed 2'));
  analysisStore.getState().embedJob!.cancel();
  await vi.advanceTimersByTimeAsync(CANCEL_GRACE_MS + 10);
  await first;
  expect(texts().at(-1)).toBe('Embedding cancelled after 0 of 2 images (the model did not stop by itself, so its worker was restarted); the rest stay queued.');
  await vi.waitFor(() => expect(releaseReopen).not.toBeNull());
  const job = embedPending(app.session);
  await vi.waitFor(() => expect(analysisStore.getState().embedJob).not.toBeNull());
  return { job, releaseReopen: releaseReopen! };
}

describe('a lost WebGPU device while embedding', () => {
  it('stays one job: the app never looks finished (no job, KNOR shown) while images still wait', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    let lost = false;
    app.script(
      'inference',
      inferenceScript({
        onEmbed: (message, worker) => {
          if (lost || (message.images as unknown[]).length !== 4) return false;
          lost = true;
          // Two images made it before the device was lost.
          for (const { imageId } of (message.images as { imageId: string }[]).slice(0, 2)) replyEmbedded(worker, message.id, imageId);
          worker.reply({ type: 'error', id: message.id, error: { code: 'device-lost', message: 'lost', details: 'destroyed' } });
          return true;
        },
      }),
    );
    app.script('analysis', knnScript());
    addImages(images(2));
    await app.open('A');
    expect(analysisStore.getState().knor).not.toBeNull();

    const looksFinished: string[] = [];
    const stop = analysisStore.subscribe((s) => {
      if (!s.embedJob && s.knor !== null && waitingIds().length > 0) looksFinished.push(`${waitingIds().length} waiting`);
    });
    addImages(images(4));
    await embedPending(app.session);
    stop();

    expect(app.inferenceLog()).toEqual(['load-pack A', 'embed 2', 'embed 4', 'load-pack A', 'embed 2']);
    expect(looksFinished).toEqual([]);
    expect(waitingIds()).toEqual([]);
    expect(analysisStore.getState().knor?.ids).toHaveLength(6);
    expect(modelStore.getState()).toMatchObject({ ep: 'wasm', status: 'ready' });
    expect(texts()).toContain(
      'WebGPU stopped working (the graphics device was lost). The model was reopened on WASM and embedding carries on; nothing was lost.',
    );
  });
});

describe('sessions', () => {
  it('two sessions share nothing: what one opened, holds and queues, the other does not see', async () => {
    const a = harness('-a');
    const b = harness('-b');
    a.script('inference', inferenceScript());
    a.script('analysis', knnScript());
    b.script('inference', inferenceScript());
    b.script('analysis', knnScript());
    unwire = wirePipeline(a.session);
    addImages(images(2));
    expect(await a.open('A')).toBe(true);

    expect(a.session.opened?.name).toBe('A');
    expect(a.session.workerHolds).toBe(a.session.opened?.load);
    expect(a.session.generation).toBe(1);
    expect(b.session).toMatchObject({ opened: null, workerHolds: null, generation: 0, loadInFlight: null, embedding: null, knorSent: null, knorRequests: 0 });
    expect(await ensureWorkerHolds(b.session)).toBe(false);
    expect(b.inferenceWorkers()).toEqual([]);
    expect(appSession()).toBe(a.session);

    // Unwired, A hears nothing: a crash of its worker is not followed by a reopen, k changes send it nothing.
    unwire();
    expect(appSession()).not.toBe(a.session);
    const knnBefore = a.analysisWorkers().flatMap((w) => w.received).length;
    uiStore.setState({ k: 1, metric: 'l2' });
    a.inferenceWorkers()[0]!.crash('gone');
    await new Promise((r) => setTimeout(r, 10));
    expect(a.inferenceWorkers()).toHaveLength(1);
    expect(a.analysisWorkers().flatMap((w) => w.received)).toHaveLength(knnBefore);
    expect(texts().some((t) => t.startsWith('The inference worker crashed'))).toBe(false);

    // B, wired, is the app's: calls without a session act on it.
    unwire = wirePipeline(b.session);
    expect(appSession()).toBe(b.session);
    expect(await b.open('B')).toBe(true);
    expect(b.inferenceLog()).toEqual(['load-pack B', 'embed 2']);
    expect(a.inferenceLog()).toEqual(['load-pack A', 'embed 2']);
    const [requestsOfA, requestsOfB] = [a.session.knorRequests, b.session.knorRequests];
    await computeKnor();
    expect([a.session.knorRequests, b.session.knorRequests]).toEqual([requestsOfA, requestsOfB + 1]);
    expect(analysisStore.getState().knor?.metric).toBe('l2');
  });

  it('a session that is not wired hears no resets: nothing is registered at import or creation', async () => {
    const app = harness();
    app.script('inference', inferenceScript());
    addImages(images(1));
    expect(await app.open('A')).toBe(true);
    // Not wired: no follower embedded the image.
    expect(app.inferenceLog()).toEqual(['load-pack A']);
    app.inferenceWorkers()[0]!.crash('gone');
    await new Promise((r) => setTimeout(r, 10));
    expect(app.session.workerHolds).toBe(app.session.opened?.load);
    expect(app.inferenceWorkers()).toHaveLength(1);
    // Wiring twice registers once: the same unwire comes back.
    unwire = wirePipeline(app.session);
    expect(wirePipeline(app.session)).toBe(unwire);
  });
});

describe('the first look (store/firstLook.ts)', () => {
  const hash = (i: number) => (i + 1).toString(16).padStart(64, '0');
  const { dPre, dPost } = MANIFEST.tokens;
  /** The bundled set's record for model A; `value` fills its vectors (the scripted worker embeds zeros). */
  const recordFor = (n: number, value = 0, modelKey = keyOf('A')) =>
    encodeFirstLook({
      packId: 'pack-A',
      modelKey,
      files: Array.from({ length: n }, (_, i) => `img-${i}.png`),
      contentHashes: Array.from({ length: n }, (_, i) => hash(i)),
      dPre,
      dPost,
      pooledPre: new Float32Array(n * dPre).fill(value),
      pooledPost: new Float32Array(n * dPost).fill(value),
    });
  const hashedImages = (n: number) => images(n).map((image, i) => ({ ...image, contentHash: hash(i) }));
  /** Serve `record` as ./first-look/pack-A.json. */
  const serve = (record: unknown) =>
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => (url === './first-look/pack-A.json' ? new Response(JSON.stringify(record)) : new Response('', { status: 404 }))),
    );
  /** An inference script whose embed requests wait until released. */
  const heldEmbedding = () => {
    let release: () => void = () => undefined;
    const script = inferenceScript({
      onEmbed: (message, worker) => {
        release = () => replyAllEmbedded(message, worker, 'wasm');
        return true;
      },
    });
    return { script, release: () => release() };
  };
  const knnData = (app: ReturnType<typeof harness>) => app.analysisWorkers().flatMap((w) => w.received.filter((m) => m.type === 'knn' && m.data));

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows KNOR from the precomputed vectors before the model opens, keeps it while the model embeds, then shows this browser’s own and checks them', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    const embedding = heldEmbedding();
    app.script('inference', embedding.script);
    app.script('analysis', knnScript());
    const all = hashedImages(3);
    addImages(all);
    serve(recordFor(3));

    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(true);
    expect(modelStore.getState().status).not.toBe('ready');
    expect(analysisStore.getState()).toMatchObject({
      modelKey: keyOf('A'),
      knor: { source: 'first-look', ids: all.map((i) => i.id) },
      firstLook: { check: { status: 'provisional' } },
    });
    expect(knnData(app)).toHaveLength(1);

    // A new k before the model opens: the first look again, from the vectors the worker holds.
    uiStore.setState({ k: 2 });
    await vi.waitFor(() => expect(analysisStore.getState().knor).toMatchObject({ k: 2, source: 'first-look' }));
    expect(knnData(app)).toHaveLength(1);

    const opening = app.open('A');
    await vi.waitFor(() => expect(app.inferenceLog()).toEqual(['load-pack A', 'embed 3']));
    // The model opened with the key the record names: the first look stays while it embeds.
    expect(modelStore.getState().status).toBe('ready');
    expect(analysisStore.getState().knor?.source).toBe('first-look');
    embedding.release();
    await opening;
    expect(analysisStore.getState().knor).toMatchObject({ source: 'live', ids: all.map((i) => i.id), k: 2 });
    // The live vectors went to the worker: not the first look's again under the same key.
    expect(knnData(app)).toHaveLength(2);
    expect(analysisStore.getState().firstLook?.check).toEqual({ status: 'verified', maxDifference: 0, worstId: all[0]!.id, compared: 3 });
    expect(texts().some((t) => t.includes('differ'))).toBe(false);
  });

  it('says so when this browser’s embeddings differ from the precomputed ones', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    app.script('analysis', knnScript());
    addImages(hashedImages(3));
    serve(recordFor(3, 0.5));
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(true);
    await app.open('A');
    expect(analysisStore.getState().knor?.source).toBe('live');
    expect(analysisStore.getState().firstLook?.check).toMatchObject({ status: 'differs', maxDifference: expect.closeTo(0.5 / 1.5, 6) });
    expect(texts().some((t) => t.includes("this browser's embeddings differ from them"))).toBe(true);
  });

  it('is dropped when the model opens under another key, and when one of its images is removed before the model opened', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('inference', inferenceScript());
    app.script('analysis', knnScript());
    const all = hashedImages(3);
    addImages(all);
    serve(recordFor(3, 0, keyOf('an older pack')));
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(true);
    await app.open('A');
    expect(analysisStore.getState()).toMatchObject({ modelKey: keyOf('A'), firstLook: null, knor: { source: 'live' } });

    analysisStore.setState(analysisStore.getInitialState(), true);
    modelStore.setState(modelStore.getInitialState(), true);
    serve(recordFor(3));
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(true);
    removeImage(all[1]!.id);
    await vi.waitFor(() => expect(analysisStore.getState()).toMatchObject({ firstLook: null, knor: null }));
  });

  it('a first-look answer still on its way when one of its images is removed does not land', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    const waiting: (() => void)[] = [];
    let holding = false;
    app.script(
      'analysis',
      knnScript((answer) => (holding ? waiting.push(answer) : answer())),
    );
    const all = hashedImages(3);
    addImages(all);
    serve(recordFor(3));
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(true);
    expect(analysisStore.getState().knor?.source).toBe('first-look');

    holding = true;
    uiStore.setState({ k: 2 });
    await vi.waitFor(() => expect(waiting).toHaveLength(1));
    // No model is open: after the removal there is nothing to compute, and the k = 2 answer is out of date.
    removeImage(all[1]!.id);
    await vi.waitFor(() => expect(analysisStore.getState()).toMatchObject({ firstLook: null, knor: null }));
    waiting[0]!();
    await new Promise((r) => setTimeout(r, 10));
    expect(analysisStore.getState()).toMatchObject({ firstLook: null, knor: null, maps: null });
  });

  it('does not apply to a collection that is not its set, to a record for another pack, or over results already shown', async () => {
    const app = harness();
    unwire = wirePipeline(app.session);
    app.script('analysis', knnScript());
    addImages(hashedImages(2));
    serve(recordFor(3));
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(false);
    expect(analysisStore.getState().knor).toBeNull();

    collectionStore.setState(collectionStore.getInitialState(), true);
    addImages(hashedImages(3));
    serve({ ...(recordFor(3) as object), packId: 'pack-B' });
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(false);
    expect(texts().some((t) => t.includes('could not be used'))).toBe(true);

    // A server that answers unknown paths with the app's page: no record, and nothing said.
    const said = texts().length;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<!doctype html><html></html>', { headers: { 'content-type': 'text/html' } })),
    );
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(false);
    expect(texts()).toHaveLength(said);

    serve(recordFor(3));
    analysisStore.setState({ ...emptyAnalysis(keyOf('B')) });
    expect(await showFirstLook('pack-A', Promise.resolve(), app.session)).toBe(false);
    expect(analysisStore.getState()).toMatchObject({ modelKey: keyOf('B'), firstLook: null, knor: null });
  });
});
