/**
 * Opening a block store (store/blockStoreSession.ts): the refusals that come before any file is
 * read leave every store as it was; a drop is recognised as a store by its block files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { analysisStore } from '../../src/store/analysisStore.ts';
import { storePageMemoryProblem } from '../../src/core/blockstore/blockStore.ts';
import { isBlockStoreDrop, MAX_STORE_PAGE_BYTES, openBlockStore } from '../../src/store/blockStoreSession.ts';
import { collectionStore } from '../../src/store/collectionStore.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { uiStore } from '../../src/store/uiStore.ts';

/** A file whose size is what a real store's would be (the bytes are never read before the checks). */
function sized(path: string, size: number): File {
  const file = new File([new Uint8Array(8)], path.slice(path.lastIndexOf('/') + 1));
  Object.defineProperty(file, 'size', { value: size });
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

const lastMessage = () => uiStore.getState().messages.at(-1)?.text ?? '';
const snapshot = () => ({ model: modelStore.getState(), analysis: analysisStore.getState(), images: collectionStore.getState().images });

afterEach(() => uiStore.setState({ messages: [] }));

describe('openBlockStore refusals before reading', () => {
  it('refuses a store whose pictures would not fit on the page, naming their size, and replaces nothing', async () => {
    const before = snapshot();
    // Pictures are held on the page (224 x 224 RGBA each); the blocks' tokens stay in their files.
    const blocks = Math.ceil(MAX_STORE_PAGE_BYTES / (224 * 224 * 4)) + 1;
    const files = Array.from({ length: blocks }, (_, i) => [
      sized(`big/pre-block-${i}.safetensors`, 100),
      sized(`big/post-block-${i}.safetensors`, 100),
      sized(`big/${i}.png`, 100),
    ]).flat();
    await openBlockStore(files);
    expect(lastMessage()).toMatch(
      /^Block store "big" cannot be opened: Its 10,70\d blocks need 2\.1 GB of pictures on the page, more than the 2\.1 GB a browser tab can take\. .* Nothing was replaced\.$/,
    );
    expect(snapshot()).toEqual(before);
  });

  it('lets a store of any size of token blocks open: only its pooled vectors and pictures count', () => {
    // 1,000 LLaVA-1.5 blocks (576 x 1024 before, 576 x 4096 after: 11.8 GB as float32) hold 20 MB of pooled vectors.
    expect(storePageMemoryProblem(1000, 1000, 1024, 4096, MAX_STORE_PAGE_BYTES)).toBeNull();
    expect(storePageMemoryProblem(20_000, 0, 4096, 4096, 512 * 1024 ** 2)).toBe(
      'Its 20,000 blocks need 655.4 MB of pooled vectors on the page, more than the 536.9 MB a browser tab can take. Open a part of the store in a folder of its own.',
    );
  });

  it('does not read a store while a model is opening', async () => {
    modelStore.setState({ loading: { packId: 'vit-mlp', what: 'pack "Tiny"', cancel: () => undefined } });
    try {
      await openBlockStore([sized('s/pre-block-1.safetensors', 100), sized('s/post-block-1.safetensors', 100)]);
      expect(lastMessage()).toBe('pack "Tiny" is still opening; wait for it or cancel it, then open the block store.');
    } finally {
      modelStore.setState({ loading: null });
    }
  });

  it('refuses a partner missing, or a drop that listed only part of its files, with the planner message', async () => {
    const before = snapshot();
    await openBlockStore([sized('s/pre-block-1.safetensors', 100), sized('s/post-block-1.safetensors', 100), sized('s/pre-block-2.safetensors', 100)]);
    expect(lastMessage()).toBe(
      'pre-block-2.safetensors has no partner: post-block-2.safetensors is missing. Every block needs both files; add it, or remove pre-block-2.safetensors. Nothing was replaced.',
    );
    await openBlockStore([sized('s/pre-block-1.safetensors', 100), sized('s/post-block-1.safetensors', 100)], { skippedFiles: 80_000 });
    expect(lastMessage()).toMatch(/only the first 2 were listed, so blocks among the other 80,000 would be missing/);
    expect(snapshot()).toEqual(before);
  });

  it('tells a block store drop from images and models', () => {
    expect(isBlockStoreDrop([sized('x/pre-block-7.safetensors', 10), sized('x/7.png', 10)])).toBe(true);
    expect(isBlockStoreDrop([sized('x/model.safetensors', 10), sized('x/a.png', 10)])).toBe(false);
    expect(isBlockStoreDrop([sized('Pre-block-1.safetensors', 10)])).toBe(false);
  });
});
