/**
 * A database written by version 1 (results filed under pack ids, which a changed model shared):
 * opening it drops those results and keeps the images, so nothing from an older key is restored.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

describe('stored sessions from version 1', () => {
  it('lose their pack-id results on upgrade; images stay', async () => {
    const v1 = await openDB('connector-lens', 1, {
      upgrade(d) {
        d.createObjectStore('images', { keyPath: 'id' });
        d.createObjectStore('embeddings');
        d.createObjectStore('reconstructions');
        d.createObjectStore('session');
      },
    });
    await v1.put('images', { id: 'a', order: 1, name: 'a.png', blob: new Blob(['x']), bytes: 1, width: 1, height: 1, label: 'cat' });
    await v1.put('embeddings', { pre: new Float32Array(2) }, 'a/vit-mlp');
    await v1.put('reconstructions', { ids: ['a'] }, 'vit-mlp');
    v1.close();

    const { restoreSession, storageSummary } = await import('../../src/store/persistence.ts');
    const { collectionStore } = await import('../../src/store/collectionStore.ts');
    await restoreSession();
    expect(collectionStore.getState().images.map((i) => [i.name, i.label, i.labelSource, i.contentHash])).toEqual([
      ['a.png', 'cat', 'an earlier session', null],
    ]);
    const summary = await storageSummary();
    expect(summary).toMatchObject({ images: 1, embeddings: 0 });
  });
});
