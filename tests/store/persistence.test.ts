/**
 * Reload survival, on an in-memory IndexedDB: what the stores held comes back after they are
 * emptied (as a reload empties them); an interrupted training run is reported; a full disk is
 * said once and changes nothing in the session.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PackManifest } from '../../src/core/types.ts';
import { float32ToHalfBits, halfBitsToFloat32 } from '../../src/core/onnx/float16.ts';
import { tokenKey } from '../../src/core/tokens/tokenStore.ts';
import { analysisStore, emptyAnalysis, idleTraining } from '../../src/store/analysisStore.ts';
import { collectionStore, setLabels } from '../../src/store/collectionStore.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { clearStoredSessions, restoreAnalysis, restoreSession, startPersisting, storageSummary } from '../../src/store/persistence.ts';
import { tabStore } from '../../src/store/sessionTabs.ts';
import { imageTokens, keepTokens } from '../../src/store/tokens.ts';
import { uiStore } from '../../src/store/uiStore.ts';
import { tokensClient } from '../../src/workers/clients.ts';
import { ScriptedWorker } from '../support/scriptedWorker.ts';
import { mapTokenFiles, tokensScript } from '../support/tokensScript.ts';

// The tokens worker is the real handling over a Map of files: the files outlive a worker, as OPFS outlives a reload.
const tokenFiles = mapTokenFiles();
vi.stubGlobal('Worker', ScriptedWorker);
ScriptedWorker.scripts.set('tokens', tokensScript(tokenFiles));
afterAll(() => vi.unstubAllGlobals());

const settle = () => new Promise((r) => setTimeout(r, 50));

/** Two models' content keys (core/identity): results are filed under these, not pack ids. */
const KEY_A = `m1-${'a'.repeat(64)}`;
const KEY_B = `m1-${'b'.repeat(64)}`;

function image(id: string, text: string) {
  const blob = new Blob([text], { type: 'image/png' });
  return {
    id,
    name: `${id}.png`,
    blob,
    url: `blob:${id}`,
    bytes: blob.size,
    width: 2,
    height: 2,
    label: 'disc',
    labelSource: 'labels.csv',
    contentHash: `${id.charCodeAt(0).toString(16)}`.padStart(64, '0'),
  };
}

const f = (seed: number, n: number) => Float32Array.from({ length: n }, (_, i) => seed + i / 10);
const SHAPE = { tokensPre: 4, dPre: 2, tokensPost: 2, dPost: 2 };

/** What the main thread keeps of an embedded image. */
function embedding(seed: number) {
  return { pooledPre: f(seed, 2), pooledPost: f(seed, 2), display: new Uint8ClampedArray([seed, 1, 2, 255]) };
}

/** An image embedded as the app embeds one: its matrices to the tokens worker (stored in a file), the rest in the store. */
async function embedImage(modelKey: string, id: string, seed: number) {
  await keepTokens(modelKey, id, SHAPE, f(seed, 8), f(seed + 0.5, 4), true);
  analysisStore.setState((s) => ({ embeddings: { ...s.embeddings, [id]: embedding(seed) } }));
}

/** As float16 keeps them. */
const asHalf = (values: Float32Array) => Array.from(halfBitsToFloat32(float32ToHalfBits(values)));

let stop = () => {};

/** What a reload does: the stores start empty (not a deletion), then persisting restarts. */
async function reload() {
  stop();
  // A reload ends the tokens worker: what it held in memory is gone, its files stay.
  tokensClient.stop('reload');
  collectionStore.setState({ images: [], intake: null });
  analysisStore.setState(emptyAnalysis(null));
  uiStore.setState({ selectedId: null, k: 10, messages: [] });
  const session = await restoreSession();
  stop = startPersisting();
  return session;
}

describe('persistence', () => {
  stop = startPersisting();

  it('brings back images (in order), settings, embeddings and the reconstruction', async () => {
    modelStore.setState({ packId: 'vit-mlp' });
    collectionStore.setState({ images: [image('a', 'first'), image('b', 'second')] });
    analysisStore.setState(emptyAnalysis(KEY_A));
    await embedImage(KEY_A, 'a', 1);
    await embedImage(KEY_A, 'b', 2);
    uiStore.setState({ selectedId: 'b', k: 5 });
    const reconstruction = {
      ids: ['a', 'b'],
      tokens: 2,
      perPatch: Float32Array.of(0.1, 0.2, 0.3, 0.4),
      perImage: Float32Array.of(0.15, 0.35),
      validationIds: new Set(['b']),
      backend: 'cpu',
      architecture: 'token-wise-mlp',
      stoppedEarly: false,
      constantDims: 0,
      run: { bestEpoch: 2, bestValLoss: 0.9 },
      model: {
        weights: [{ name: 'w1', shape: [2, 2], values: Float32Array.of(1, 2, 3, 4) }],
        standardizers: {
          pre: { dim: 1, mean: Float32Array.of(0), std: Float32Array.of(1), constantDims: 0 },
          post: { dim: 1, mean: Float32Array.of(0), std: Float32Array.of(1), constantDims: 0 },
        },
      },
    };
    analysisStore.setState({ reconstruction, training: { ...idleTraining, status: 'done', trainLoss: [1, 0.5], valLoss: [1.2, 0.9], bestEpoch: 2 } });
    await settle();

    const session = await reload();
    expect(session?.packId).toBe('vit-mlp');
    expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['a', 'b']);
    expect(await collectionStore.getState().images[1]!.blob.text()).toBe('second');
    expect(uiStore.getState()).toMatchObject({ selectedId: 'b', k: 5 });

    analysisStore.setState(emptyAnalysis(KEY_A));
    await restoreAnalysis(KEY_A);
    const restored = analysisStore.getState();
    expect(Array.from(restored.embeddings.b!.pooledPre)).toEqual(Array.from(embedding(2).pooledPre));
    // The tokens come back from their file (a new tokens worker), as float16 values; the record holds none.
    expect(restored.embeddings.b).not.toHaveProperty('pre');
    const tokens = await imageTokens(KEY_A, 'b');
    expect(Array.from(tokens!.pre)).toEqual(asHalf(f(2, 8)));
    expect(Array.from(tokens!.post)).toEqual(asHalf(f(2.5, 4)));
    expect(restored.reconstruction?.validationIds.has('b')).toBe(true);
    expect(restored.reconstruction?.run).toEqual({ bestEpoch: 2, bestValLoss: 0.9 });
    expect(Array.from(restored.reconstruction!.perPatch)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(Array.from(restored.reconstruction!.model.weights[0]!.values)).toEqual([1, 2, 3, 4]);
    expect(restored.training.bestEpoch).toBe(2);

    // Another model's results are not mixed in.
    analysisStore.setState(emptyAnalysis(KEY_B));
    await restoreAnalysis(KEY_B);
    expect(analysisStore.getState().embeddings).toEqual({});
    expect(analysisStore.getState().reconstruction).toBeNull();
  });

  it('forgets a removed image, its embeddings and its token file', async () => {
    expect(tokenFiles.files.has(`${tokenKey(KEY_A, 'a')}.tokens`)).toBe(true);
    collectionStore.setState((s) => ({ images: s.images.filter((i) => i.id !== 'a') }));
    await settle();
    expect([...tokenFiles.files.keys()]).toEqual([`${tokenKey(KEY_A, 'b')}.tokens`]);
    await reload();
    expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['b']);
    analysisStore.setState(emptyAnalysis(KEY_A));
    await restoreAnalysis(KEY_A);
    expect(Object.keys(analysisStore.getState().embeddings)).toEqual(['b']);
  });

  it('leaves out an image whose token file is gone, so it is embedded again (training would find no tokens)', async () => {
    const name = `${tokenKey(KEY_A, 'b')}.tokens`;
    const kept = tokenFiles.files.get(name)!;
    tokenFiles.files.delete(name);
    try {
      await reload();
      analysisStore.setState(emptyAnalysis(KEY_A));
      await restoreAnalysis(KEY_A);
      expect(analysisStore.getState().embeddings).toEqual({});
    } finally {
      tokenFiles.files.set(name, kept);
    }
  });

  it('reports a training run interrupted by a reload, once', async () => {
    analysisStore.setState({ modelKey: KEY_A, trainJob: { label: 'Training', done: 1, total: 9, startedAt: 0, cancel: () => undefined } });
    await settle();
    await reload();
    expect(
      uiStore
        .getState()
        .messages.map((m) => m.text)
        .join(' '),
    ).toMatch(/reloaded while the reconstructor was training: that run was lost/);
    await reload();
    expect(uiStore.getState().messages).toEqual([]);
  });

  it('says once when storage is full and leaves the session as it was', async () => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    try {
      uiStore.setState({ messages: [] });
      collectionStore.setState({ images: [image('c', 'x'), image('d', 'y')] });
      await settle();
      collectionStore.setState((s) => ({ images: [...s.images, image('e', 'z')] }));
      await settle();
      const warnings = uiStore.getState().messages.filter((m) => /storage is full/.test(m.text));
      expect(warnings.length).toBe(1);
      expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['c', 'd', 'e']);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
  });

  it('keeps labels applied after the images were stored, and their order', async () => {
    collectionStore.setState((st) => ({ images: [...st.images, image('p', 'one'), image('q', 'two'), image('r', 'three')] }));
    await settle();
    setLabels(
      new Map([
        ['q', { label: 'cat', source: 'more.csv' }],
        ['r', { label: 'dog', source: 'more.csv' }],
      ]),
    );
    await settle();
    await reload();
    const restored = collectionStore.getState().images.filter((i) => 'pqr'.includes(i.id));
    expect(restored.map((i) => [i.id, i.label, i.labelSource])).toEqual([
      ['p', 'disc', 'labels.csv'],
      ['q', 'cat', 'more.csv'],
      ['r', 'dog', 'more.csv'],
    ]);
    expect(restored[0]!.contentHash).toBe(image('p', 'one').contentHash);
  });

  it('writes nothing from a tab that does not hold the session, and refuses to clear it there', async () => {
    stop();
    tabStore.setState({ role: 'reader' });
    try {
      stop = startPersisting();
      const before = (await storageSummary()).images;
      collectionStore.setState((st) => ({ images: [...st.images, image('z', 'from the other tab')] }));
      collectionStore.setState((st) => ({ images: st.images.filter((i) => i.id !== 'p') }));
      await settle();
      expect((await storageSummary()).images).toBe(before);
      await expect(clearStoredSessions()).rejects.toThrow(/does not hold the session/);
      expect((await storageSummary()).images).toBe(before);
    } finally {
      stop();
      tabStore.setState({ role: 'writer' });
      stop = startPersisting();
    }
    const session = await reload();
    expect(session).not.toBeNull();
    const ids = collectionStore.getState().images.map((i) => i.id);
    expect(ids).toContain('p');
    expect(ids).not.toContain('z');
  });

  it('does not call a training run lost in a tab that does not hold the session (it may be running in the other)', async () => {
    analysisStore.setState({ modelKey: KEY_A, trainJob: { label: 'Training', done: 1, total: 9, startedAt: 0, cancel: () => undefined } });
    await settle();
    stop();
    tabStore.setState({ role: 'reader' });
    try {
      collectionStore.setState({ images: [], intake: null });
      uiStore.setState({ messages: [] });
      await restoreSession();
      expect(
        uiStore
          .getState()
          .messages.map((m) => m.text)
          .join(' '),
      ).not.toMatch(/that run was lost/);
    } finally {
      tabStore.setState({ role: 'writer' });
    }
    // The writer, reloaded with no other tab alive, does call it lost.
    analysisStore.setState({ trainJob: null });
    await reload();
    expect(
      uiStore
        .getState()
        .messages.map((m) => m.text)
        .join(' '),
    ).toMatch(/that run was lost/);
  });

  it('moves the tokens of a record written before they had their own worker into it, and rewrites the record without them', async () => {
    collectionStore.setState({ images: [image('m', 'older')] });
    await settle();
    const older = await openDB('connector-lens', 2);
    await older.put('embeddings', { ...embedding(3), pre: f(3, 8), post: f(3.5, 4), modelKey: KEY_B, imageId: 'm' }, `m/${KEY_B}`);
    older.close();
    const manifest = { tokens: { pre: SHAPE.tokensPre, dPre: SHAPE.dPre, post: SHAPE.tokensPost, dPost: SHAPE.dPost } } as PackManifest;
    modelStore.setState({ modelKey: KEY_B, manifest });
    analysisStore.setState(emptyAnalysis(KEY_B));
    await restoreAnalysis(KEY_B);
    expect(Object.keys(analysisStore.getState().embeddings)).toEqual(['m']);
    expect(Array.from((await imageTokens(KEY_B, 'm'))!.pre)).toEqual(asHalf(f(3, 8)));
    expect(tokenFiles.files.has(`${tokenKey(KEY_B, 'm')}.tokens`)).toBe(true);
    const reread = await openDB('connector-lens', 2);
    const record = (await reread.get('embeddings', `m/${KEY_B}`)) as Record<string, unknown>;
    reread.close();
    expect(Object.keys(record).sort()).toEqual(['display', 'imageId', 'modelKey', 'pooledPost', 'pooledPre']);
  });

  it('clears the token files with the stored sessions', async () => {
    expect(tokenFiles.files.size).toBeGreaterThan(0);
    await clearStoredSessions();
    expect(tokenFiles.files.size).toBe(0);
  });
});
