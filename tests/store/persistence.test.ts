/**
 * Reload survival, on an in-memory IndexedDB: what the stores held comes back after they are
 * emptied (as a reload empties them); an interrupted training run is reported; a full disk is
 * said once and changes nothing in the session.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { analysisStore, emptyAnalysis, idleTraining } from '../../src/store/analysisStore.ts';
import { collectionStore, setLabels } from '../../src/store/collectionStore.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { clearStoredSessions, restoreAnalysis, restoreSession, startPersisting, storageSummary } from '../../src/store/persistence.ts';
import { tabStore } from '../../src/store/sessionTabs.ts';
import { uiStore } from '../../src/store/uiStore.ts';

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

function embedding(seed: number) {
  const f = (n: number) => Float32Array.from({ length: n }, (_, i) => seed + i / 10);
  return { pre: f(8), post: f(4), pooledPre: f(2), pooledPost: f(2), display: new Uint8ClampedArray([seed, 1, 2, 255]) };
}

let stop = () => {};

/** What a reload does: the stores start empty (not a deletion), then persisting restarts. */
async function reload() {
  stop();
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
    analysisStore.setState({ embeddings: { a: embedding(1), b: embedding(2) } });
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
    expect(Array.from(restored.embeddings.b!.pre)).toEqual(Array.from(embedding(2).pre));
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

  it('forgets a removed image and its embeddings', async () => {
    collectionStore.setState((s) => ({ images: s.images.filter((i) => i.id !== 'a') }));
    await settle();
    await reload();
    expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['b']);
    analysisStore.setState(emptyAnalysis(KEY_A));
    await restoreAnalysis(KEY_A);
    expect(Object.keys(analysisStore.getState().embeddings)).toEqual(['b']);
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
});
