/**
 * A BlobStore on the browser's Cache Storage: large blobs stay on disk, survive reloads, and are
 * counted in the origin's quota. Each entry's size goes in a header so listing cached models does
 * not read gigabytes back. Cache Storage exists only in secure contexts (https, localhost).
 */
import type { BlobStore, StoredEntry } from './modelCache.ts';

export const MODEL_CACHE_NAME = 'connector-lens-models-v1';
const SIZE_HEADER = 'x-connector-lens-size';

/** The parts of CacheStorage used here, so tests can pass a stand-in. */
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
  keys(): Promise<readonly Request[]>;
}

export function cacheStorageStore(storage: CacheStorageLike, name: string = MODEL_CACHE_NAME): BlobStore {
  let opened: Promise<CacheLike> | null = null;
  const cache = () => (opened ??= storage.open(name));
  return {
    async get(url) {
      const response = await (await cache()).match(url);
      return response ? response.blob() : null;
    },
    async put(url, blob) {
      const headers = { 'content-type': blob.type || 'application/octet-stream', [SIZE_HEADER]: String(blob.size) };
      await (await cache()).put(url, new Response(blob, { headers }));
    },
    async delete(url) {
      await (await cache()).delete(url);
    },
    async entries() {
      const c = await cache();
      const out: StoredEntry[] = [];
      for (const request of await c.keys()) {
        const response = await c.match(request.url);
        if (!response) continue;
        const size = Number(response.headers.get(SIZE_HEADER));
        // An entry without the header was not written here; its body is read once to size it.
        out.push({
          url: request.url,
          size: Number.isSafeInteger(size) && size >= 0 && response.headers.has(SIZE_HEADER) ? size : (await response.blob()).size,
        });
      }
      return out;
    },
  };
}
