/**
 * The reconstruction panel describes the reconstruction it shows: after one run finished and a
 * Retrain was cancelled, the facts (best epoch, its validation loss) are the finished run's, while
 * the training state (and its loss curve) is the cancelled run's. Real stores and WorkerClient,
 * scripted workers (tests/support/scriptedWorker.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScriptedWorker, type Message } from '../support/scriptedWorker.ts';
import { VIT_MLP_MANIFEST, blankImage, replyAllEmbedded } from '../support/storeFixtures.ts';

const MANIFEST = VIT_MLP_MANIFEST;
const { pre: T, dPre, dPost } = MANIFEST.tokens;
const KEY = `m1-${'cd'.repeat(32)}`;
const IMAGES = 6;

function inference(message: Message, worker: ScriptedWorker): void {
  if (message.type === 'load-pack')
    worker.reply({ type: 'result', id: message.id, result: { modelKey: KEY, ep: 'wasm', fallbackReason: null, wasmThreads: 1, loadMs: 1 } });
  if (message.type !== 'embed') return;
  replyAllEmbedded(message, worker, 'wasm');
}

/** A finished run whose best epoch is 3 (validation loss 0.4). */
function finishedRun(message: Message): unknown {
  const n = message.images as number;
  return {
    perPatch: new Float32Array(n * T).fill(0.5),
    perImage: new Float32Array(n).fill(0.5),
    trainLoss: [1, 0.7, 0.5, 0.45],
    valLoss: [1.1, 0.6, 0.4, 0.42],
    bestEpoch: 3,
    stoppedEarly: false,
    backend: 'wasm',
    architecture: 'token-wise-mlp (hidden 8, 100 parameters)',
    validation: Int32Array.of(0),
    constantDims: 0,
    weights: [],
    standardizers: {
      pre: { dim: dPre, mean: new Float32Array(dPre), std: new Float32Array(dPre).fill(1), constantDims: 0 },
      post: { dim: dPost, mean: new Float32Array(dPost), std: new Float32Array(dPost).fill(1), constantDims: 0 },
    },
  };
}

/** The stores and the store functions, loaded anew (fresh state, no scripts yet), with the scripted workers. */
async function freshStores() {
  vi.resetModules();
  ScriptedWorker.scripts = new Map();
  ScriptedWorker.spawned = [];
  const session = await import('../../src/store/modelSession.ts');
  const { embedPending } = await import('../../src/store/embedding.ts');
  const { trainReconstructor } = await import('../../src/store/training.ts');
  const { scoreAddedImages } = await import('../../src/store/applyReconstruction.ts');
  const { analysisStore } = await import('../../src/store/analysisStore.ts');
  const { addImages, nextImageId } = await import('../../src/store/collectionStore.ts');
  const { uiStore } = await import('../../src/store/uiStore.ts');
  return { session, embedPending, trainReconstructor, scoreAddedImages, analysisStore, addImages, nextImageId, uiStore };
}

beforeEach(() => vi.stubGlobal('Worker', ScriptedWorker));
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('training facts belong to the reconstruction shown', () => {
  it("after Retrain then Cancel, the best epoch shown is the finished run's, not the cancelled one's", async () => {
    const { session, embedPending, trainReconstructor, analysisStore, addImages, nextImageId, uiStore } = await freshStores();
    let runs = 0;
    ScriptedWorker.scripts.set('inference', inference);
    ScriptedWorker.scripts.set('training', (message, worker) => {
      if (message.type !== 'train') return;
      runs += 1;
      if (runs === 1) {
        worker.reply({ type: 'result', id: message.id, result: finishedRun(message) });
        return;
      }
      // The second run gets one epoch in (best so far: epoch 1), then hangs and ignores Cancel.
      worker.reply({ type: 'progress', id: message.id, progress: { kind: 'epoch', epoch: 1, epochs: 40, trainLoss: 0.9, valLoss: 0.95, bestEpoch: 1 } });
    });
    await session.openPack('vit-mlp', MANIFEST, { kind: 'url', url: 'e.onnx' }, { kind: 'url', url: 'c.onnx' });
    addImages(Array.from({ length: IMAGES }, (_, i) => blankImage(nextImageId(), { name: `${i}.png` })));
    await embedPending();

    await trainReconstructor();
    expect(analysisStore.getState().reconstruction?.run).toEqual({ bestEpoch: 3, bestValLoss: 0.4 });

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const retrain = trainReconstructor();
    await vi.waitFor(() => expect(analysisStore.getState().training.bestEpoch).toBe(1));
    analysisStore.getState().trainJob!.cancel();
    await vi.advanceTimersByTimeAsync(session.CANCEL_GRACE_MS + 10);
    await retrain;

    const { training, reconstruction } = analysisStore.getState();
    expect(training).toMatchObject({ status: 'cancelled', bestEpoch: 1 });
    expect(reconstruction?.run).toEqual({ bestEpoch: 3, bestValLoss: 0.4 });
    expect(uiStore.getState().messages.at(-1)?.text).toBe('Training cancelled; the previous heatmaps (if any) are kept.');
  });
});

describe('images added after training', () => {
  it('get their losses from the kept reconstructor, marked as added, without a retrain', async () => {
    const { session, embedPending, trainReconstructor, scoreAddedImages, analysisStore, addImages, nextImageId } = await freshStores();
    const applied: Message[] = [];
    let trainRuns = 0;
    ScriptedWorker.scripts.set('inference', inference);
    ScriptedWorker.scripts.set('training', (message, worker) => {
      if (message.type === 'train') {
        trainRuns += 1;
        worker.reply({ type: 'result', id: message.id, result: finishedRun(message) });
      }
      if (message.type === 'apply-reconstructor') {
        applied.push(message);
        const n = message.images as number;
        worker.reply({ type: 'result', id: message.id, result: { perPatch: new Float32Array(n * T).fill(0.9), perImage: new Float32Array(n).fill(0.9) } });
      }
    });
    await session.openPack('vit-mlp', MANIFEST, { kind: 'url', url: 'e.onnx' }, { kind: 'url', url: 'c.onnx' });
    addImages(Array.from({ length: IMAGES }, (_, i) => blankImage(nextImageId(), { name: `${i}.png` })));
    await embedPending();
    await trainReconstructor();
    const trained = analysisStore.getState().reconstruction!;
    expect(applied).toHaveLength(0); // nothing was added yet

    const added = [blankImage(nextImageId(), { name: 'late-1.png' }), blankImage(nextImageId(), { name: 'late-2.png' })];
    addImages(added);
    await embedPending();
    await scoreAddedImages();

    const r = analysisStore.getState().reconstruction!;
    expect(trainRuns).toBe(1);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.images).toBe(2);
    // The kept model goes to the worker: its standardisers, fitted on the training images.
    expect((applied[0]!.kept as { standardizers: unknown }).standardizers).toEqual(trained.model.standardizers);
    expect(r.ids).toEqual([...trained.ids, ...added.map((i) => i.id)]);
    expect(r.addedIds).toEqual(added.map((i) => i.id));
    expect(Array.from(r.perPatch.subarray(0, IMAGES * T)).every((v) => v === 0.5)).toBe(true);
    expect(Array.from(r.perPatch.subarray(IMAGES * T)).every((v) => Math.abs(v - 0.9) < 1e-6)).toBe(true);
    expect(r.perPatch).toHaveLength((IMAGES + 2) * T);
    expect(r.validationIds).toEqual(trained.validationIds);

    // Scored once: another pass sends nothing.
    await scoreAddedImages();
    expect(applied).toHaveLength(1);
  });
});

describe('Finish now', () => {
  it('asks the worker to finish this run, then times the heatmap pass on its own bar, and keeps what the run learned', async () => {
    const { session, embedPending, trainReconstructor, analysisStore, addImages, nextImageId } = await freshStores();
    const told: Message[] = [];
    let trainId = 0;
    ScriptedWorker.scripts.set('inference', inference);
    ScriptedWorker.scripts.set('training', (message, worker) => {
      told.push(message);
      if (message.type === 'train') {
        trainId = message.id as number;
        worker.reply({ type: 'progress', id: trainId, progress: { kind: 'step', step: 3, steps: 400, epoch: 1 } });
        return;
      }
      if (message.type !== 'finish') return;
      // The worker stops after the step under way, then scores every image.
      worker.reply({ type: 'progress', id: trainId, progress: { kind: 'step', step: 4, steps: 400, epoch: 1 } });
      worker.reply({ type: 'progress', id: trainId, progress: { kind: 'evaluate', done: 0, total: IMAGES } });
      worker.reply({ type: 'progress', id: trainId, progress: { kind: 'evaluate', done: 2, total: IMAGES } });
    });
    await session.openPack('vit-mlp', MANIFEST, { kind: 'url', url: 'e.onnx' }, { kind: 'url', url: 'c.onnx' });
    addImages(Array.from({ length: IMAGES }, (_, i) => blankImage(nextImageId(), { name: `${i}.png` })));
    await embedPending();

    const run = trainReconstructor();
    await vi.waitFor(() => expect(analysisStore.getState().trainJob?.done).toBe(3));
    expect(analysisStore.getState().trainJob?.label).toBe('Training reconstructor, epoch 1 of 40, step');
    const beforeFinish = Date.now();
    analysisStore.getState().trainJob!.finish!();
    expect(analysisStore.getState().trainJob?.label).toBe('Finishing after this step, epoch 1 of 40, step');
    await vi.waitFor(() => expect(told.at(-1)).toMatchObject({ type: 'finish', target: trainId }));
    await vi.waitFor(() => expect(analysisStore.getState().trainJob?.done).toBe(2));
    const job = analysisStore.getState().trainJob!;
    expect(job.label).toBe("Computing every image's heatmap, image");
    expect(job.total).toBe(IMAGES);
    expect(job.finish).toBeUndefined(); // nothing left to finish early
    expect(job.startedAt).toBeGreaterThanOrEqual(beforeFinish); // the estimate is the pass's own, not training's

    const training = ScriptedWorker.spawned.find((w) => w.name === 'training' && !w.terminated)!;
    training.reply({
      type: 'result',
      id: trainId,
      result: { ...(finishedRun({ type: 'train', id: trainId, images: IMAGES }) as object), trainLoss: [], valLoss: [], bestEpoch: 0, finishedAfterStep: 4 },
    });
    await run;
    const { reconstruction, trainJob, training: state } = analysisStore.getState();
    expect(trainJob).toBeNull();
    expect(reconstruction).toMatchObject({ finishedAfterStep: 4, run: { bestEpoch: null, bestValLoss: null } });
    expect(state).toMatchObject({ status: 'done', bestEpoch: null });
  });
});
