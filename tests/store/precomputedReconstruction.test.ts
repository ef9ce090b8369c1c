/**
 * The reconstruction shipped with the image set shows as soon as the first images embedded here
 * reproduce its inputs (store/precomputedReconstruction.ts), marked unverified and not stored;
 * the full check once every image is embedded keeps it (verified, stored) or withdraws it and
 * says why. Real stores; the shipped file served by a stubbed fetch.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodePrecomputed, fingerprintOf, FINGERPRINT_DIMS, type PrecomputedReconstruction } from '../../src/core/imageset/precomputed.ts';
import type { ImageEmbedding } from '../../src/store/analysisStore.ts';
import { precomputedRecord, wave } from '../support/precomputedRecord.ts';
import { blankImage } from '../support/storeFixtures.ts';

const N = 5;
const TOKENS = 4;
const FILES = Array.from({ length: N }, (_, i) => `set/img-${i}.png`);
const pooled = (i: number) => ({ pre: wave(20, 10 + i), post: wave(30, 50 + i) });

function record(): PrecomputedReconstruction {
  const fingerprints = new Float32Array(N * FINGERPRINT_DIMS);
  FILES.forEach((_, i) => fingerprints.set(fingerprintOf(pooled(i).pre, pooled(i).post), i * FINGERPRINT_DIMS));
  return precomputedRecord({ packId: 'p', files: FILES, fingerprints, tokens: TOKENS, dPre: 20, dPost: 30 });
}

function embedding(i: number, nudge = 0): ImageEmbedding {
  const { pre, post } = pooled(i);
  pre[0] = pre[0]! + nudge;
  return { pooledPre: pre, pooledPost: post, display: new Uint8ClampedArray(0) };
}

afterEach(() => vi.unstubAllGlobals());

async function setUp() {
  vi.resetModules();
  const body = JSON.stringify(encodePrecomputed(record()));
  vi.stubGlobal('fetch', async () => new Response(body, { headers: { 'content-type': 'application/json' } }));
  const { analysisStore } = await import('../../src/store/analysisStore.ts');
  const { modelStore } = await import('../../src/store/modelStore.ts');
  const { addImages } = await import('../../src/store/collectionStore.ts');
  const { uiStore } = await import('../../src/store/uiStore.ts');
  const shipped = await import('../../src/store/precomputedReconstruction.ts');
  modelStore.setState({ packId: 'p', modelKey: 'k' });
  analysisStore.setState({ modelKey: 'k' });
  const ids = FILES.map((_, i) => `img${i}`);
  addImages(FILES.map((name, i) => blankImage(ids[i]!, { name })));
  const embed = (i: number, nudge = 0) => analysisStore.setState((s) => ({ embeddings: { ...s.embeddings, [ids[i]!]: embedding(i, nudge) } }));
  return { analysisStore, uiStore, shipped, ids, embed };
}

describe('the shipped reconstruction on a first visit', () => {
  it('shows once the first images match, unverified; the full check keeps it, verified', async () => {
    const { analysisStore, shipped, ids, embed } = await setUp();
    shipped.installPrecomputedEarly('p');
    for (let i = 0; i < shipped.EARLY_MATCHES - 1; i++) embed(i);
    await new Promise((r) => setTimeout(r, 20));
    expect(analysisStore.getState().reconstruction).toBeNull();
    embed(shipped.EARLY_MATCHES - 1);
    await vi.waitFor(() => expect(analysisStore.getState().reconstruction?.precomputed).toEqual({ verified: false }));
    const early = analysisStore.getState().reconstruction!;
    expect(early.ids).toEqual(ids);
    expect(early.validationIds).toEqual(new Set([ids[0]]));

    for (let i = shipped.EARLY_MATCHES; i < N; i++) embed(i);
    expect(await shipped.installPrecomputedReconstruction('p')).toBe(true);
    const kept = analysisStore.getState().reconstruction!;
    expect(kept.precomputed).toEqual({ verified: true });
    expect(kept.perPatch).toBe(early.perPatch);
  });

  it('says the heatmaps come from the shipped reconstruction, and takes that back when another collection takes its place', async () => {
    const { analysisStore, uiStore, shipped, embed } = await setUp();
    const { emptyAnalysis } = await import('../../src/store/analysisStore.ts');
    uiStore.setState({ messages: [] });
    for (let i = 0; i < N; i++) embed(i);
    expect(await shipped.installPrecomputedReconstruction('p')).toBe(true);
    const note = (m: { text: string }) => m.text.startsWith('Heatmaps come from a reconstructor trained on this image set');
    expect(uiStore.getState().messages.filter(note)).toHaveLength(1);
    const { say } = await import('../../src/store/uiStore.ts');
    say('info', 'another message');
    // What a block store's installation does to the analysis (store/blockStoreSession.ts): it
    // starts afresh, with no reconstruction; only that note goes.
    analysisStore.setState(emptyAnalysis('block-store'));
    expect(uiStore.getState().messages.map((m) => m.text)).toEqual(['another message']);
  });

  it('takes the note back once the heatmaps shown are no longer the shipped ones (a retrain finished here)', async () => {
    const { analysisStore, uiStore, shipped, embed } = await setUp();
    uiStore.setState({ messages: [] });
    for (let i = 0; i < N; i++) embed(i);
    expect(await shipped.installPrecomputedReconstruction('p')).toBe(true);
    const note = (m: { text: string }) => m.text.startsWith('Heatmaps come from a reconstructor trained on this image set');
    expect(uiStore.getState().messages.filter(note)).toHaveLength(1);
    const shown = analysisStore.getState().reconstruction!;
    // A change that keeps the shipped heatmaps (another image selected, say) keeps the note.
    analysisStore.setState({ reconstruction: { ...shown } });
    expect(uiStore.getState().messages.filter(note)).toHaveLength(1);
    // A finished retrain's reconstruction (store/training.ts) carries no `precomputed`.
    const { precomputed: _shipped, ...trainedHere } = shown;
    analysisStore.setState({ reconstruction: trainedHere });
    expect(uiStore.getState().messages.filter(note)).toHaveLength(0);
  });

  it('withdraws the heatmaps shown early when a later image does not match, and says why', async () => {
    const { analysisStore, uiStore, shipped, embed } = await setUp();
    shipped.installPrecomputedEarly('p');
    for (let i = 0; i < shipped.EARLY_MATCHES; i++) embed(i);
    await vi.waitFor(() => expect(analysisStore.getState().reconstruction?.precomputed).toEqual({ verified: false }));
    for (let i = shipped.EARLY_MATCHES; i < N; i++) embed(i, i === N - 1 ? 1 : 0);
    expect(await shipped.installPrecomputedReconstruction('p')).toBe(false);
    expect(analysisStore.getState().reconstruction).toBeNull();
    expect(analysisStore.getState().training.status).toBe('idle');
    expect(uiStore.getState().messages.at(-1)?.text).toMatch(/img-4\.png's embedding differs.*heatmaps are withdrawn/);
  });

  it('shows nothing early when an embedded image already differs', async () => {
    const { analysisStore, shipped, embed } = await setUp();
    shipped.installPrecomputedEarly('p');
    embed(0, 1);
    for (let i = 1; i < N; i++) embed(i);
    await new Promise((r) => setTimeout(r, 20));
    expect(analysisStore.getState().reconstruction).toBeNull();
  });
});
