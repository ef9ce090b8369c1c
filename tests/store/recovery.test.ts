/**
 * Recovery decides on failure codes, never on words: the real stores, effects and WorkerClient run
 * against scripted workers (a stand-in for the global Worker), and each recovery is played with the
 * worker's message and details reworded several ways, nonsense included. The outcome must not move:
 * - a lost WebGPU device while embedding: the worker is ended, the model reopened on WASM, embedding
 *   carries on, and the app says so;
 * - a crashed inference worker: the model is reopened in a fresh worker, nothing embedded is lost,
 *   and the waiting images are named;
 * - a Cancel the worker does not answer: it is ended after the grace period and the model is held
 *   again for the next job.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScriptedWorker, type Message } from '../support/scriptedWorker.ts';
import { VIT_MLP_MANIFEST, blankImage, replyAllEmbedded, replyEmbedded } from '../support/storeFixtures.ts';

const MANIFEST = VIT_MLP_MANIFEST;
const KEY = `m1-${'ab'.repeat(32)}`;

/** What the inference worker answers: a load with `ep`, an embed with every image embedded. */
function healthyInference(message: Message, worker: ScriptedWorker): void {
  if (message.type === 'load-pack') {
    const preferred = message.preferred as string[];
    worker.reply({ type: 'result', id: message.id, result: { modelKey: KEY, ep: preferred[0], fallbackReason: null, wasmThreads: 1, loadMs: 1 } });
  } else if (message.type === 'embed') {
    replyAllEmbedded(message, worker, 'webgpu');
  }
}

/** Wordings a runtime or a later edit might give the same failure. */
const WORDINGS = ['The GPU device was lost (reason: destroyed).', 'zx9 qq — nothing to match here', ''];

async function freshApp() {
  vi.resetModules();
  ScriptedWorker.scripts = new Map();
  ScriptedWorker.spawned = [];
  const session = await import('../../src/store/modelSession.ts');
  const embedding = await import('../../src/store/embedding.ts');
  // The reset listeners are registered by wiring (store/pipeline.ts), not at import.
  const { wirePipeline } = await import('../../src/store/pipeline.ts');
  wirePipeline();
  const { modelStore } = await import('../../src/store/modelStore.ts');
  const { analysisStore } = await import('../../src/store/analysisStore.ts');
  const { collectionStore, addImages, nextImageId } = await import('../../src/store/collectionStore.ts');
  const { uiStore } = await import('../../src/store/uiStore.ts');
  const images = Array.from({ length: 3 }, (_, i) => blankImage(nextImageId(), { name: `img-${i}.png` }));
  const open = () => session.openPack('vit-mlp', MANIFEST, { kind: 'url', url: 'enc.onnx' }, { kind: 'url', url: 'con.onnx' });
  return { session, embedding, modelStore, analysisStore, collectionStore, uiStore, addImages: () => addImages(images), open };
}

const inferenceWorkers = () => ScriptedWorker.spawned.filter((w) => w.name === 'inference');
const messages = (ui: { getState(): { messages: readonly { text: string }[] } }) =>
  ui
    .getState()
    .messages.map((m) => m.text)
    .join('\n');

beforeEach(() => vi.stubGlobal('Worker', ScriptedWorker));
afterEach(() => vi.unstubAllGlobals());

describe('recovery follows failure codes, whatever the words', () => {
  it.each(WORDINGS)('a lost WebGPU device while embedding ("%s"): reopened on WASM, embedding carries on', async (wording) => {
    const app = await freshApp();
    let lost = false;
    ScriptedWorker.scripts.set('inference', (message, worker) => {
      if (message.type === 'embed' && !lost) {
        lost = true;
        worker.reply({ type: 'error', id: message.id, error: { code: 'device-lost', message: wording, details: wording } });
        return;
      }
      healthyInference(message, worker);
    });
    expect(await app.open()).toBe(true);
    expect(app.modelStore.getState().ep).toBe('webgpu');
    app.addImages();
    await app.embedding.embedPending();

    const loads = inferenceWorkers().flatMap((w) => w.received.filter((m) => m.type === 'load-pack'));
    expect(loads.map((m) => m.preferred)).toEqual([['webgpu', 'wasm'], ['wasm']]);
    expect(inferenceWorkers()[0]!.terminated).toBe(true);
    expect(app.modelStore.getState()).toMatchObject({ ep: 'wasm', status: 'ready' });
    expect(app.modelStore.getState().fallbackReason).toMatch(/^WebGPU stopped working after the model opened/);
    expect(Object.keys(app.analysisStore.getState().embeddings)).toHaveLength(3);
    expect(messages(app.uiStore)).toContain('The model was reopened on WASM and embedding carries on; nothing was lost.');
  });

  it.each(WORDINGS)('a crashed inference worker ("%s"): a fresh worker holds the model again, and the waiting images are named', async (wording) => {
    const app = await freshApp();
    let crashed = false;
    ScriptedWorker.scripts.set('inference', (message, worker) => {
      if (message.type === 'embed' && !crashed) {
        crashed = true;
        // One image made it before the crash.
        const first = (message.images as { imageId: string }[])[0]!;
        replyEmbedded(worker, message.id, first.imageId);
        worker.crash(wording);
        return;
      }
      healthyInference(message, worker);
    });
    await app.open();
    app.addImages();
    await app.embedding.embedPending();
    await vi.waitFor(() => expect(messages(app.uiStore)).toContain('The inference worker crashed and was restarted'));

    expect(inferenceWorkers()).toHaveLength(2);
    expect(inferenceWorkers()[1]!.received.map((m) => m.type)).toEqual(['load-pack']);
    expect(Object.keys(app.analysisStore.getState().embeddings)).toHaveLength(1);
    expect(messages(app.uiStore)).toContain('Everything embedded so far is kept; 2 images wait for "Embed 2 waiting".');
    expect(app.uiStore.getState().messages.at(-1)?.details).toBe(wording || 'no reason given');
    // And the fresh worker embeds the rest.
    await app.embedding.embedPending();
    expect(Object.keys(app.analysisStore.getState().embeddings)).toHaveLength(3);
  });

  it('a Cancel the worker does not answer: ended after the grace period, the model held again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const app = await freshApp();
      ScriptedWorker.scripts.set('inference', (message, worker) => {
        // A stuck run: an embed never answers, and neither does the cancel.
        if (message.type === 'embed' || message.type === 'cancel') return;
        healthyInference(message, worker);
      });
      await app.open();
      app.addImages();
      const job = app.embedding.embedPending();
      await vi.waitFor(() => expect(app.analysisStore.getState().embedJob).not.toBeNull());
      await vi.waitFor(() => expect(inferenceWorkers()[0]!.received.some((m) => m.type === 'embed')).toBe(true));
      app.analysisStore.getState().embedJob!.cancel();
      await vi.advanceTimersByTimeAsync(app.session.CANCEL_GRACE_MS + 10);
      await job;
      await vi.waitFor(() => expect(inferenceWorkers()).toHaveLength(2));
      await vi.waitFor(() => expect(inferenceWorkers()[1]!.received.map((m) => m.type)).toEqual(['load-pack']));
      expect(inferenceWorkers()[0]!.terminated).toBe(true);
      expect(app.modelStore.getState().status).toBe('ready');
      expect(messages(app.uiStore)).toContain('the rest stay queued');
    } finally {
      vi.useRealTimers();
    }
  });
});
