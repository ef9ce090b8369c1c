/**
 * The hub loader against a real HTTP server on loopback that serves fixture repos in the hub's
 * URL layout: what it fetches, progress, the cache, every failure's message, and cancel.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hubFailure as failure } from './hubFailure.ts';
import { parseHubRequest, type HubRequestInput } from '../../../src/core/hub/hubRequest.ts';
import { loadHubModel, MAX_LISTING_BYTES, type HubLoadOptions, type HubModel, type HubProgress } from '../../../src/core/hub/loadHubModel.ts';
import { memoryBlobStore, ModelCache } from '../../../src/core/hub/modelCache.ts';
import { startFixtureHub, type FixtureHub } from './fixtureHub.ts';
import { BIG, config, packFiles, preprocessorConfig, REPOS, TINY, TINY_SHA, tinyFiles } from './fixtureRepos.ts';

let hub: FixtureHub;
let cache: ModelCache;

beforeAll(async () => {
  hub = await startFixtureHub(REPOS);
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.reset();
  cache = new ModelCache(memoryBlobStore());
});

const open = (input: Omit<HubRequestInput, 'host'>, options: Partial<HubLoadOptions> = {}): Promise<HubModel> =>
  loadHubModel(parseHubRequest({ ...input, host: hub.origin }, { tokenHosts: [hub.origin] }), { cache, stallMs: 2000, ...options });

/** Whether a blob holds exactly these bytes (vitest's deep equality is far too slow on megabytes). */
const holds = async (b: Blob | undefined, expected: Uint8Array | undefined) => !!b && !!expected && Buffer.from(await b.arrayBuffer()).equals(expected);
const host = () => hub.origin.replace('http://', '');

describe('opening a transformers.js-style export', () => {
  it('takes the fp32 vision encoder and the config JSONs, following the redirect to the CDN', async () => {
    const model = await open({ repo: TINY });
    expect(model).toMatchObject({
      kind: 'stock',
      repo: TINY,
      revision: 'main',
      sha: TINY_SHA,
      variant: 'fp32',
      encoder: 'onnx/vision_encoder.onnx',
      manifest: null,
      cachedFiles: 0,
      cacheWarning: null,
    });
    expect([...model.files.keys()]).toEqual(['config.json', 'preprocessor_config.json', 'onnx/vision_encoder.onnx']);
    expect(await holds(model.files.get('onnx/vision_encoder.onnx'), tinyFiles.get('onnx/vision_encoder.onnx'))).toBe(true);
    expect(model.config).toEqual(config);
    expect(model.preprocessorConfig).toEqual(preprocessorConfig);
    expect(model.bytes).toBe(BIG + tinyFiles.get('config.json')!.length + tinyFiles.get('preprocessor_config.json')!.length);
    // Files are asked for at the resolved commit, so a branch moving mid-download cannot mix commits.
    expect(hub.requests).toEqual([
      'GET /api/models/fixture-org/tiny-vlm/revision/main?blobs=true',
      `GET /fixture-org/tiny-vlm/resolve/${TINY_SHA}/config.json`,
      `GET /fixture-org/tiny-vlm/resolve/${TINY_SHA}/preprocessor_config.json`,
      `GET /fixture-org/tiny-vlm/resolve/${TINY_SHA}/onnx/vision_encoder.onnx`,
      `GET /cdn/fixture-org/tiny-vlm/${TINY_SHA}/onnx/vision_encoder.onnx`,
    ]);
  });

  it('takes the fp16 graph with both of its weight shards, in order', async () => {
    const model = await open({ repo: TINY, variant: 'fp16' });
    expect([...model.files.keys()]).toEqual([
      'config.json',
      'preprocessor_config.json',
      'onnx/vision_encoder_fp16.onnx',
      'onnx/vision_encoder_fp16.onnx_data',
      'onnx/vision_encoder_fp16.onnx_data_1',
    ]);
    for (const p of ['onnx/vision_encoder_fp16.onnx_data', 'onnx/vision_encoder_fp16.onnx_data_1'])
      expect(await holds(model.files.get(p), tinyFiles.get(p))).toBe(true);
  });

  it('reports progress that only grows and ends at the total', async () => {
    const all: HubProgress[] = [];
    await open({ repo: TINY }, { onProgress: (p) => all.push(p) });
    // The file list comes first, with its own byte count; then the files, against their total.
    const listing = all.filter((e) => e.path === 'file list');
    expect(listing.length).toBeGreaterThan(0);
    expect(all.findIndex((e) => e.path !== 'file list')).toBe(listing.length);
    expect(listing.at(-1)!.done).toBeGreaterThan(0);
    const events = all.slice(listing.length);
    const total = BIG + tinyFiles.get('config.json')!.length + tinyFiles.get('preprocessor_config.json')!.length;
    expect(events.every((e) => e.total === total && e.fileCount === 3 && !e.fromCache)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    expect(events.at(-1)).toMatchObject({ done: total, path: 'onnx/vision_encoder.onnx', fileDone: BIG, fileTotal: BIG, fileIndex: 2 });
    // The big file arrives in 64 KiB chunks, each one reported.
    const big = events.filter((e) => e.path === 'onnx/vision_encoder.onnx');
    expect(big.length).toBeGreaterThanOrEqual(BIG / (64 * 1024));
    expect(big.every((e, i) => e.fileTotal === BIG && (i === 0 || e.fileDone >= big[i - 1]!.fileDone))).toBe(true);
  });

  it('opens a second time from the cache without a single request', async () => {
    const first = await open({ repo: TINY });
    hub.reset();
    const events: HubProgress[] = [];
    const second = await open({ repo: TINY }, { onProgress: (p) => events.push(p) });
    expect(hub.requests).toEqual([]);
    expect(second.cachedFiles).toBe(3);
    expect(second.sha).toBe(first.sha);
    expect(await holds(second.files.get('onnx/vision_encoder.onnx'), tinyFiles.get('onnx/vision_encoder.onnx'))).toBe(true);
    expect(events.map((e) => [e.path, e.fromCache])).toEqual([
      ['config.json', true],
      ['preprocessor_config.json', true],
      ['onnx/vision_encoder.onnx', true],
    ]);
    // Another variant of the same commit asks again (its listing is keyed by revision, files by commit).
    await open({ repo: TINY, variant: 'q4f16' });
    expect(hub.requests.filter((r) => r.includes('config.json'))).toEqual([]);
    expect(hub.requests).toContain(`GET /fixture-org/tiny-vlm/resolve/${TINY_SHA}/onnx/vision_encoder_q4f16.onnx`);
  });

  it('lists cached models with sizes and evicts them', async () => {
    await open({ repo: TINY, revision: TINY_SHA });
    await open({ repo: 'fixture-org/lens-pack' });
    const listed = await cache.list();
    expect(listed.map((m) => [m.repo, m.revisions, m.complete, m.files.length, m.bytes])).toEqual([
      ['fixture-org/lens-pack', ['main'], true, 3, [...packFiles.values()].reduce((s, b) => s + b.length, 0)],
      [TINY, [TINY_SHA], true, 3, BIG + tinyFiles.get('config.json')!.length + tinyFiles.get('preprocessor_config.json')!.length],
    ]);
    expect(await cache.evict(listed[1]!)).toBe(listed[1]!.bytes);
    expect((await cache.list()).map((m) => m.repo)).toEqual(['fixture-org/lens-pack']);
    hub.reset();
    await open({ repo: TINY, revision: TINY_SHA });
    expect(hub.requests.length).toBe(5); // evicted: everything is fetched again
  });

  it('sends an access token to the hub when one is given', async () => {
    await open({ repo: TINY, variant: 'q4f16', token: 'hf_abc123' });
    expect(hub.authorizations[0]).toBe('Bearer hf_abc123');
  });

  it('refuses a variant the repo does not have, listing the ones it has, before downloading', async () => {
    const e = await failure(open({ repo: TINY, variant: 'bnb4' }));
    expect(e.kind).toBe('unusable');
    expect(e.message).toBe('fixture-org/tiny-vlm has no onnx/vision_encoder_bnb4.onnx (the bnb4 variant). It has fp32, fp16, q4f16: pick one of those.');
    expect(hub.requests).toHaveLength(1);
  });
});

describe('opening a Connector Lens pack from a hub', () => {
  it('takes manifest.json and the two graphs it names, checked', async () => {
    const model = await open({ repo: 'fixture-org/lens-pack', variant: 'q4' });
    expect(model).toMatchObject({ kind: 'pack', variant: null, encoder: 'encoder.onnx', config: null, preprocessorConfig: null });
    expect(model.manifest?.id).toBe('vit-mlp');
    expect([...model.files.keys()]).toEqual(['manifest.json', 'encoder.onnx', 'connector.onnx']);
    for (const [path, b] of packFiles) expect(await holds(model.files.get(path), b)).toBe(true);
  });
});

describe('refusals say what happened and what to do', () => {
  it('a repo that does not exist (404)', async () => {
    const e = await failure(open({ repo: 'fixture-org/nope' }));
    expect([e.kind, e.status]).toEqual(['not-found', 404]);
    expect(e.message).toBe(
      `${host()} has no fixture-org/nope (HTTP 404). Check the repo id (owner/name, as on the model page); a private repo looks missing without an access token.`,
    );
  });

  it('a revision that does not exist', async () => {
    const e = await failure(open({ repo: TINY, revision: 'v9' }));
    expect(e.message).toBe(
      `${host()} has no fixture-org/tiny-vlm at revision "v9" (HTTP 404). Check the revision (a branch, tag or commit id shown on the model page).`,
    );
  });

  it('a listed file the hub then does not serve (404)', async () => {
    hub.switches.status.set('preprocessor_config.json', 404);
    const e = await failure(open({ repo: TINY }));
    expect(e.kind).toBe('not-found');
    expect(e.message).toBe(
      `${host()} has no preprocessor_config.json of fixture-org/tiny-vlm (HTTP 404). The repo may have changed while downloading; open it again.`,
    );
  });

  it('stops a file list that never ends at its byte cap, with the bytes on the progress bar', async () => {
    hub.switches.endlessListing = true;
    const seen: HubProgress[] = [];
    const e = await failure(open({ repo: TINY }, { onProgress: (p) => seen.push(p) }));
    expect(e.kind).toBe('unusable');
    expect(e.message).toMatch(
      /^the file list of fixture-org\/tiny-vlm is over 16\.8 MB \(1[67]\.\d MB arrived before the download was stopped\), far more than such a file holds\. Check the hub address, or try again later\.$/,
    );
    const last = seen.at(-1)!;
    expect(last.path).toBe('file list');
    expect(last.done).toBeGreaterThan(MAX_LISTING_BYTES);
    expect(last.done).toBeLessThan(MAX_LISTING_BYTES + 2 * 1024 * 1024);
  });

  it('a private repo without a token (401), and with a refused token', async () => {
    const e = await failure(open({ repo: 'fixture-org/private-vlm' }));
    expect([e.kind, e.status]).toEqual(['not-found', 401]);
    expect(e.message).toMatch(/^127\.0\.0\.1:\d+ has no fixture-org\/private-vlm \(HTTP 401\)\. .*a private repo looks missing without an access token\.$/);
    const withToken = await failure(open({ repo: 'fixture-org/private-vlm', token: 'hf_wrong' }));
    expect(withToken.message).toMatch(/Check the repo id \(owner\/name, as on the model page\)\.$/);
  });

  it('a gated repo (403): accept the licence, use a token', async () => {
    const e = await failure(open({ repo: 'fixture-org/gated-vlm', variant: 'q4f16' }));
    expect([e.kind, e.status]).toEqual(['gated', 403]);
    expect(e.message).toBe(
      `fixture-org/gated-vlm is gated (HTTP 403): accept its licence on ${hub.origin}/fixture-org/gated-vlm while signed in, then enter an access token with read access (https://huggingface.co/settings/tokens).`,
    );
    const withToken = await failure(open({ repo: 'fixture-org/gated-vlm', variant: 'q4f16', token: 'hf_x' }));
    expect(withToken.message).toMatch(
      /^fixture-org\/gated-vlm is gated and your access token does not open it \(HTTP 403\): accept the licence on .* with the token's account/,
    );
  });

  it('a server error (500)', async () => {
    hub.switches.status.set('config.json', 500);
    const e = await failure(open({ repo: TINY }));
    expect([e.kind, e.status]).toEqual(['http', 500]);
    expect(e.message).toBe('The hub failed to serve config.json of fixture-org/tiny-vlm (HTTP 500); it may be down or busy. Try again later.');
  });

  it('a repo that is not an ONNX vision export nor a pack', async () => {
    const e = await failure(open({ repo: 'fixture-org/text-only' }));
    expect(e.kind).toBe('unusable');
    expect(e.message).toMatch(/^fixture-org\/text-only has neither onnx\/vision_encoder\*\.onnx .* nor a manifest\.json/);
  });

  it('an export without preprocessor_config.json, before any file is fetched', async () => {
    const e = await failure(open({ repo: 'fixture-org/no-preprocessor', variant: 'q4f16' }));
    expect(e.message).toMatch(/^fixture-org\/no-preprocessor has no preprocessor_config\.json at its root; the app needs it/);
    expect(hub.requests).toHaveLength(1);
  });

  it('a download that stalls: a timeout, and nothing of that file cached', async () => {
    Object.assign(hub.switches, { target: 'onnx/vision_encoder.onnx', stallAt: 1024 * 1024 });
    const started = Date.now();
    const e = await failure(open({ repo: TINY }, { stallMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe(
      'onnx/vision_encoder.onnx of fixture-org/tiny-vlm: no data arrived for 0.3 s, so the download was stopped. Check your connection and open the model again.',
    );
    const [cached] = await cache.list();
    expect(cached?.complete).toBe(false);
    expect(cached?.files.map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json']);
  });

  it('a server that never answers: a timeout too', async () => {
    hub.switches.silent = true;
    const e = await failure(open({ repo: TINY }, { stallMs: 200 }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/^the file list of fixture-org\/tiny-vlm: no data arrived for 0\.2 s/);
  });

  it('a connection lost part-way (Content-Length known): truncated, nothing of it cached', async () => {
    Object.assign(hub.switches, { target: 'onnx/vision_encoder.onnx', cutAt: 1024 * 1024 });
    const e = await failure(open({ repo: TINY }));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(
      /^onnx\/vision_encoder\.onnx of fixture-org\/tiny-vlm was cut short: 1\.0 MB of 3\.1 MB arrived \(.+\)\. Nothing partial was kept; open the model again to retry\.$/,
    );
    expect((await cache.list())[0]?.files.map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json']);
  });

  it('a connection lost part-way without Content-Length or listed size: truncated', async () => {
    Object.assign(hub.switches, { target: 'onnx/vision_encoder.onnx', cutAt: 512 * 1024, chunked: true });
    const e = await failure(open({ repo: 'fixture-org/unsized' }));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/^onnx\/vision_encoder\.onnx of fixture-org\/unsized was cut short: the connection closed after 524\.3 kB \(/);
  });
});

describe('cancel', () => {
  it('stops mid-download with a cancel error; the file under way is not cached, finished ones are reused', async () => {
    const controller = new AbortController();
    const e = await failure(
      open(
        { repo: TINY },
        { signal: controller.signal, onProgress: (p) => p.path === 'onnx/vision_encoder.onnx' && p.fileDone >= 512 * 1024 && controller.abort() },
      ),
    );
    expect(e.kind).toBe('cancelled');
    expect(e.message).toBe('Download cancelled (at onnx/vision_encoder.onnx of fixture-org/tiny-vlm). Nothing partly downloaded was kept.');
    const [cached, ...others] = await cache.list();
    expect(others).toEqual([]);
    expect(cached).toMatchObject({ complete: false, revisions: [] });
    expect(cached?.files.map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json']);
    // Opening again fetches only what was missing.
    hub.reset();
    const model = await open({ repo: TINY });
    expect(hub.requests.filter((r) => r.includes('/resolve/'))).toEqual([`GET /fixture-org/tiny-vlm/resolve/${TINY_SHA}/onnx/vision_encoder.onnx`]);
    expect(model.cachedFiles).toBe(2);
  });

  it('before any file finished: the cache stays empty', async () => {
    hub.switches.silent = true;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(open({ repo: TINY }, { signal: controller.signal }));
    expect(e.kind).toBe('cancelled');
    expect(await cache.list()).toEqual([]);
  });
});

describe('only https (or loopback) hosts', () => {
  it('refuses a plain-http hub that is not this machine', () => {
    expect(() => parseHubRequest({ repo: TINY, host: 'http://example.com' })).toThrow(
      '"http://example.com": models are fetched over https only (plain http only from this machine, for development). Use an https:// address.',
    );
    expect(parseHubRequest({ repo: TINY, host: 'https://example.com' }).host).toBe('https://example.com');
    expect(parseHubRequest({ repo: TINY }).host).toBe('https://huggingface.co');
  });
});
