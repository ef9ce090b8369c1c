/** The view and the URL in step (store/viewUrl.ts), on the real stores and a fake window. */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionStore, type ImageEntry } from '../../src/store/collectionStore.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { uiStore } from '../../src/store/uiStore.ts';
import { applyViewUrl, syncViewUrl } from '../../src/store/viewUrl.ts';
import { blankImage } from '../support/storeFixtures.ts';

function fakeWindow(href: string) {
  const url = new URL(href);
  const win = { location: url, history: { state: null, replaceState: (_: unknown, __: string, next: string) => void (url.href = new URL(next, url).href) } };
  return { win: win as unknown as Parameters<typeof syncViewUrl>[0], url };
}

const image = (id: string, contentHash: string): ImageEntry => blankImage(id, { contentHash });
const HASH_A = 'a1'.repeat(32);
const HASH_B = 'b2'.repeat(32);

const initialUi = uiStore.getState();
const initialModel = modelStore.getState();
let stop: () => void = () => undefined;
afterEach(() => {
  stop();
  uiStore.setState(initialUi, true);
  modelStore.setState(initialModel, true);
  collectionStore.setState({ images: [], intake: null });
});

describe('view URL sync', () => {
  it('a link sets the settings (over stored ones), names what it cannot use, and selects its image once it arrives', () => {
    uiStore.setState({ k: 10, metric: 'cosine', includeSelf: false });
    const { win } = fakeWindow(`http://x/?pack=vit-mlp&k=7&metric=l2&self=1&image=${HASH_B.slice(0, 12)}&ep=dot`);
    expect(applyViewUrl(win)).toEqual({ kind: 'pack', id: 'vit-mlp' });
    expect(uiStore.getState()).toMatchObject({ k: 7, metric: 'l2', includeSelf: true, selectedId: null });
    collectionStore.setState({ images: [image('one', HASH_A), image('two', HASH_B)] });
    expect(uiStore.getState().selectedId).toBe('two');

    const { win: bad } = fakeWindow('http://x/?k=0&metric=dot');
    applyViewUrl(bad);
    expect(uiStore.getState().messages.at(-1)?.text).toBe(
      'This link\'s "k=0", "metric=dot" could not be used and were left out. Check the link; k is 1 to 100, metric is cosine or l2, self is 0 or 1.',
    );
    expect(uiStore.getState()).toMatchObject({ k: 7, metric: 'l2' });
  });

  it('says so when the linked image is not there once the model is open', () => {
    const { win } = fakeWindow(`http://x/?image=${'c3'.repeat(6)}`);
    applyViewUrl(win);
    modelStore.setState({ status: 'ready' });
    expect(uiStore.getState().messages.at(-1)?.text).toBe(
      'The link selects an image (content c3c3c3c3c3c3…) that is not in this collection. Add that image to see it selected.',
    );
  });

  it('writes the open model, the settings and the selection, keeping other entries', () => {
    const { win, url } = fakeWindow('http://x/?empty&ep=wasm#lecture/2');
    collectionStore.setState({ images: [image('one', HASH_A)] });
    modelStore.setState({ status: 'ready', origin: { kind: 'builtin', id: 'mnv2-mlp' } });
    stop = syncViewUrl(win);
    expect(url.search).toBe('?empty&ep=wasm&pack=mnv2-mlp&k=10&metric=cosine&self=0');
    uiStore.setState({ selectedId: 'one', k: 5 });
    expect(url.search).toBe(`?empty&ep=wasm&pack=mnv2-mlp&k=5&metric=cosine&self=0&image=${HASH_A.slice(0, 12)}`);
    modelStore.setState({ origin: { kind: 'hub', repo: 'owner/repo', revision: 'v2' } });
    expect(url.search).toContain('model=owner/repo@v2');
    expect(url.search).not.toContain('pack=');
    // A block store or the user's own files cannot be carried by a link: neither entry is written.
    modelStore.setState({ origin: { kind: 'block-store' } });
    expect(url.search).not.toMatch(/pack=|model=/);
    expect(url.hash).toBe('#lecture/2');
  });
});
