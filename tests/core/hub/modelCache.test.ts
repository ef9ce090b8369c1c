/**
 * The model cache: files by host + repo + commit + path, revision listings, listing cached models
 * with sizes, evicting one; on a Map and on Cache Storage (through a stand-in with the browser's
 * semantics for the calls used: URL keys, Response bodies, headers kept).
 */
import { describe, expect, it } from 'vitest';
import { cacheStorageStore, type CacheLike, type CacheStorageLike } from '../../../src/core/hub/cacheStorageStore.ts';
import type { HubHost, RepoId } from '../../../src/core/hub/hubLocation.ts';
import { memoryBlobStore, ModelCache, type BlobStore } from '../../../src/core/hub/modelCache.ts';
import type { RepoListing } from '../../../src/core/hub/repoListing.ts';

function fakeCacheStorage(): CacheStorageLike & { opened: string[] } {
  const caches = new Map<string, Map<string, { body: ArrayBuffer; headers: Headers }>>();
  const opened: string[] = [];
  return {
    opened,
    async open(name) {
      opened.push(name);
      let entries = caches.get(name);
      if (!entries) caches.set(name, (entries = new Map()));
      const store = entries;
      const cache: CacheLike = {
        async match(url) {
          const e = store.get(new URL(url).href);
          return e ? new Response(e.body.slice(0), { headers: e.headers }) : undefined;
        },
        async put(url, response) {
          store.set(new URL(url).href, { body: await response.arrayBuffer(), headers: response.headers });
        },
        async delete(url) {
          return store.delete(new URL(url).href);
        },
        async keys() {
          return [...store.keys()].map((u) => new Request(u));
        },
      };
      return cache;
    },
  };
}

const host = 'https://huggingface.co' as HubHost;
const repo = 'o/n' as RepoId;
const shaA = 'a'.repeat(40);
const shaB = 'b'.repeat(40);
const listing = (sha: string): RepoListing => ({
  sha,
  gated: false,
  files: [
    { path: 'config.json', size: 3 },
    { path: 'onnx/v.onnx', size: 5 },
    { path: 'README.md', size: null },
  ],
});
const blob = (n: number) => new Blob([new Uint8Array(n).fill(7)]);

describe.each<[string, () => BlobStore]>([
  ['in memory', memoryBlobStore],
  ['on Cache Storage', () => cacheStorageStore(fakeCacheStorage())],
])('ModelCache %s', (_, makeStore) => {
  it('keeps files by commit and listings by revision, and misses what it was not given', async () => {
    const cache = new ModelCache(makeStore());
    await cache.putFile({ host, repo, sha: shaA, path: 'onnx/v.onnx' }, blob(5));
    expect((await cache.getFile({ host, repo, sha: shaA, path: 'onnx/v.onnx' }))?.size).toBe(5);
    expect(await cache.getFile({ host, repo, sha: shaB, path: 'onnx/v.onnx' })).toBeNull();
    expect(await cache.getFile({ host: 'https://mirror.example' as HubHost, repo, sha: shaA, path: 'onnx/v.onnx' })).toBeNull();
    await cache.putListing(host, repo, 'main', listing(shaA));
    expect(await cache.getListing(host, repo, 'main')).toEqual(listing(shaA));
    expect(await cache.getListing(host, repo, 'v2')).toBeNull();
  });

  it('lists models with their revisions, files and sizes; one without a listing is incomplete', async () => {
    const cache = new ModelCache(makeStore());
    await cache.putFile({ host, repo, sha: shaA, path: 'onnx/v.onnx' }, blob(5));
    await cache.putFile({ host, repo, sha: shaA, path: 'config.json' }, blob(3));
    await cache.putListing(host, repo, 'main', listing(shaA));
    await cache.putListing(host, repo, shaA, listing(shaA));
    await cache.putFile({ host, repo, sha: shaB, path: 'config.json' }, blob(3));
    expect(await cache.list()).toEqual([
      {
        host,
        repo,
        sha: shaA,
        revisions: [shaA, 'main'],
        files: [
          { path: 'config.json', size: 3 },
          { path: 'onnx/v.onnx', size: 5 },
        ],
        bytes: 8,
        complete: true,
      },
      { host, repo, sha: shaB, revisions: [], files: [{ path: 'config.json', size: 3 }], bytes: 3, complete: false },
    ]);
  });

  it('evicts one model: its files and the revisions that point at it, nothing else', async () => {
    const cache = new ModelCache(makeStore());
    await cache.putFile({ host, repo, sha: shaA, path: 'onnx/v.onnx' }, blob(5));
    await cache.putListing(host, repo, 'main', listing(shaA));
    await cache.putFile({ host, repo, sha: shaB, path: 'onnx/v.onnx' }, blob(4));
    await cache.putListing(host, repo, 'v2', listing(shaB));
    expect(await cache.evict({ host, repo, sha: shaA })).toBe(5);
    expect(await cache.getListing(host, repo, 'main')).toBeNull();
    expect((await cache.list()).map((m) => [m.sha, m.revisions, m.bytes])).toEqual([[shaB, ['v2'], 4]]);
  });

  it('treats a damaged listing entry as a miss', async () => {
    const store = makeStore();
    const cache = new ModelCache(store);
    await cache.putListing(host, repo, 'main', listing(shaA));
    const [entry] = await store.entries();
    await store.put(entry!.url, new Blob(['{"sha": "nope"']));
    expect(await cache.getListing(host, repo, 'main')).toBeNull();
  });
});

describe('cacheStorageStore', () => {
  it('opens one named cache once and sizes entries from a header, not by reading them', async () => {
    const storage = fakeCacheStorage();
    const store = cacheStorageStore(storage);
    await store.put('https://models.connector-lens.invalid/file?a=1', blob(1234));
    await store.put('https://models.connector-lens.invalid/file?a=2', blob(10));
    expect(await store.entries()).toEqual([
      { url: 'https://models.connector-lens.invalid/file?a=1', size: 1234 },
      { url: 'https://models.connector-lens.invalid/file?a=2', size: 10 },
    ]);
    await store.delete('https://models.connector-lens.invalid/file?a=1');
    expect((await store.entries()).map((e) => e.size)).toEqual([10]);
    expect(storage.opened).toEqual(['connector-lens-models-v1']);
  });
});
