/**
 * The bundled set's loading (store/bundledSet.ts) with its files served by a stubbed fetch (no
 * archive, so each image is fetched on its own): every image arrives with its label, one that
 * cannot be fetched is named while the rest load, and the "Loaded the bundled image set" message
 * goes once none of its images is in the collection any more.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blankImage } from '../support/storeFixtures.ts';

const FILES = ['cats/a.png', 'cats/b.png', 'dogs/c.png'];
const LABELS = ['cats', 'cats', 'dogs'];

afterEach(() => vi.unstubAllGlobals());

async function setUp(missing: readonly string[] = []) {
  vi.resetModules();
  const index = { images: FILES.map((file, i) => ({ file, label: LABELS[i], split: 'train' })) };
  vi.stubGlobal('fetch', async (url: string) => {
    if (url === './imageset/index.json') return new Response(JSON.stringify(index));
    const file = url.replace('./imageset/', '');
    if (!FILES.includes(file) || missing.includes(file)) return new Response('', { status: 404 });
    // Distinct bytes per file: images are keyed by their content.
    return new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, FILES.indexOf(file)]), { headers: { 'content-type': 'image/png' } });
  });
  const { loadBundledSet } = await import('../../src/store/bundledSet.ts');
  const collection = await import('../../src/store/collectionStore.ts');
  const { uiStore } = await import('../../src/store/uiStore.ts');
  const loadedNote = () => uiStore.getState().messages.find((m) => m.text.startsWith('Loaded the bundled image set'));
  return { loadBundledSet, collection, uiStore, loadedNote };
}

describe('loadBundledSet', () => {
  it('adds every image with its label and content hash, and says so', async () => {
    const { loadBundledSet, collection, loadedNote } = await setUp();
    expect(await loadBundledSet()).toBe(3);
    const images = collection.collectionStore.getState().images;
    expect(images.map((image) => [image.name, image.label])).toEqual(FILES.map((file, i) => [file, LABELS[i]]));
    expect(new Set(images.map((image) => image.contentHash)).size).toBe(3);
    expect(loadedNote()?.text).toContain('3 labelled images in 2 classes');
    expect(collection.collectionStore.getState().intake).toBeNull();
  });

  it('names an image that cannot be fetched and loads the rest', async () => {
    const { loadBundledSet, collection, uiStore } = await setUp(['dogs/c.png']);
    expect(await loadBundledSet()).toBe(2);
    expect(collection.collectionStore.getState().images.map((image) => image.name)).toEqual(['cats/a.png', 'cats/b.png']);
    const warning = uiStore.getState().messages.find((m) => m.level === 'warning');
    expect(warning?.text).toContain("1 of the bundled set's 3 images could not be loaded (dogs/c.png); the other 2 are here");
    expect(warning?.details).toContain('HTTP 404');
  });

  it('withdraws its message once none of its images is left, and not before', async () => {
    const { loadBundledSet, collection, loadedNote } = await setUp();
    await loadBundledSet();
    const [first, second, third] = collection.collectionStore.getState().images;
    collection.addImages([blankImage('mine')]);
    collection.removeImage(first!.id);
    collection.removeImage(second!.id);
    expect(loadedNote()).toBeDefined();
    collection.removeImage(third!.id);
    expect(loadedNote()).toBeUndefined();
    expect(collection.collectionStore.getState().images.map((image) => image.id)).toEqual(['mine']);
  });

  it('withdraws its message when another collection takes the set’s place', async () => {
    const { loadBundledSet, collection, loadedNote } = await setUp();
    await loadBundledSet();
    // As a block store installs its blocks: the collection replaced in one step.
    collection.collectionStore.setState({ images: [blankImage('block-0'), blankImage('block-1')] });
    expect(loadedNote()).toBeUndefined();
  });
});
