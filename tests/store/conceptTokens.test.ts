/**
 * The concept analysis gathers every image's tokens at once at the patch level: the size rule
 * (store/concepts.ts) against the arithmetic written out, at the shipped packs' size and at
 * LLaVA-1.5's. The pooled level gathers none: it sends the pooled vectors the page holds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conceptTokensProblem, MAX_CONCEPT_TOKEN_BYTES } from '../../src/store/concepts.ts';
import { ScriptedWorker, type Message } from '../support/scriptedWorker.ts';
import { VIT_MLP_MANIFEST, blankImage, replyAllEmbedded } from '../support/storeFixtures.ts';

describe('conceptTokensProblem', () => {
  it('lets the shipped packs’ collections run (196 x 128 and 196 x 96 tokens: 176 kB an image)', () => {
    expect(conceptTokensProblem(2000, { pre: 196, dPre: 128, post: 196, dPost: 96 })).toBeNull();
  });

  it('refuses 1,000 LLaVA-size images, saying how many would fit', () => {
    const llava = { pre: 576, dPre: 1024, post: 576, dPost: 4096 };
    const perImage = 4 * 576 * (1024 + 4096); // 11.8 MB
    expect(1000 * 4 * (1024 + 4096)).toBe(20_480_000); // the pooled vectors the message offers instead
    expect(Math.floor(MAX_CONCEPT_TOKEN_BYTES / perImage)).toBe(91);
    expect(conceptTokensProblem(91, llava)).toBeNull();
    expect(conceptTokensProblem(1000, llava)).toBe(
      "Concepts train on every embedded image's tokens at once: 1,000 images of 576 x 1024 and 576 x 4096 need 11.8 GB, more than the 1.1 GB a tab can give them. Run concepts on at most 91 images (remove some, or open a part of the store), or on pooled vectors (one per image: 20.5 MB).",
    );
  });
});

describe('concepts on pooled vectors', () => {
  beforeEach(() => vi.stubGlobal('Worker', ScriptedWorker));
  afterEach(() => vi.unstubAllGlobals());

  it('send the pooled vectors KNOR compares, one token an image, and gather no token matrix', async () => {
    vi.resetModules();
    ScriptedWorker.scripts = new Map();
    ScriptedWorker.spawned = [];
    const session = await import('../../src/store/modelSession.ts');
    const { embedPending } = await import('../../src/store/embedding.ts');
    const { findConcepts, conceptsStore } = await import('../../src/store/concepts.ts');
    const { analysisStore } = await import('../../src/store/analysisStore.ts');
    const { embeddedIds } = await import('../../src/store/neighbours.ts');
    const { addImages, nextImageId } = await import('../../src/store/collectionStore.ts');
    const key = `m1-${'ef'.repeat(32)}`;
    ScriptedWorker.scripts.set('inference', (message: Message, worker) => {
      if (message.type === 'load-pack')
        worker.reply({ type: 'result', id: message.id, result: { modelKey: key, ep: 'wasm', fallbackReason: null, wasmThreads: 1, loadMs: 1 } });
      if (message.type === 'embed') replyAllEmbedded(message, worker, 'wasm');
    });
    const asked: Message[] = [];
    ScriptedWorker.scripts.set('training', (message) => asked.push(message));
    await session.openPack('vit-mlp', VIT_MLP_MANIFEST, { kind: 'url', url: 'e.onnx' }, { kind: 'url', url: 'c.onnx' });
    addImages(Array.from({ length: 10 }, (_, i) => blankImage(nextImageId(), { name: `${i}.png` })));
    await embedPending();
    const tokensWorker = ScriptedWorker.spawned.find((w) => w.name.startsWith('tokens'))!;
    const stacksBefore = tokensWorker.received.filter((m) => m.type === 'stack-tokens').length;

    conceptsStore.setState((s) => ({ settings: { ...s.settings, level: 'pooled' } }));
    void findConcepts();
    await vi.waitFor(() => expect(asked.some((m) => m.type === 'concepts')).toBe(true));
    const request = asked.find((m) => m.type === 'concepts')!;
    const { dPre, dPost } = VIT_MLP_MANIFEST.tokens;
    const ids = embeddedIds();
    const { embeddings } = analysisStore.getState();
    expect(request).toMatchObject({ images: 10, tokensPre: 1, tokensPost: 1, dPre, dPost, settings: { level: 'pooled' } });
    expect(Array.from(request.pre as Float32Array)).toEqual(ids.flatMap((id) => Array.from(embeddings[id]!.pooledPre)));
    expect(Array.from(request.post as Float32Array)).toEqual(ids.flatMap((id) => Array.from(embeddings[id]!.pooledPost)));
    expect(tokensWorker.received.filter((m) => m.type === 'stack-tokens').length).toBe(stacksBefore);

    // The patch level gathers the token matrices from the tokens worker, as before.
    conceptsStore.setState({ job: null, settings: { ...conceptsStore.getState().settings, level: 'patches' } });
    asked.length = 0;
    void findConcepts();
    await vi.waitFor(() => expect(asked.some((m) => m.type === 'concepts')).toBe(true));
    expect(asked.find((m) => m.type === 'concepts')).toMatchObject({ tokensPre: VIT_MLP_MANIFEST.tokens.pre });
    expect(tokensWorker.received.filter((m) => m.type === 'stack-tokens').length).toBe(stacksBefore + 1);
  });
});
