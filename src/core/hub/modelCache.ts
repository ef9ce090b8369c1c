/**
 * Downloaded model files, kept across visits. Files are keyed by host + repo + commit sha + path:
 * a commit never changes, so a cached file is never stale. A revision name ("main") maps to a
 * commit through a cached listing, written only after every file of the model arrived, so a
 * second open of the same revision needs no request at all. Storage is a small BlobStore
 * interface: Cache Storage in the browser (cacheStorageStore.ts), a Map in tests.
 */
import type { HubHost, RepoId } from './hubLocation.ts';
import { parseRepoListing, type RepoListing } from './repoListing.ts';

export interface StoredEntry {
  readonly url: string;
  readonly size: number;
}

/** Blobs by URL-shaped key (Cache Storage accepts only http(s) URLs as keys). */
export interface BlobStore {
  get(url: string): Promise<Blob | null>;
  put(url: string, blob: Blob): Promise<void>;
  delete(url: string): Promise<void>;
  entries(): Promise<StoredEntry[]>;
}

export interface CachedFileKey {
  readonly host: HubHost;
  readonly repo: RepoId;
  readonly sha: string;
  readonly path: string;
}

export interface CachedModel {
  readonly host: HubHost;
  readonly repo: RepoId;
  readonly sha: string;
  /** Revision names whose last open resolved to this commit. */
  readonly revisions: readonly string[];
  readonly files: readonly { readonly path: string; readonly size: number }[];
  readonly bytes: number;
  /** False when a download stopped part-way: finished files are kept and not fetched again. */
  readonly complete: boolean;
}

// Never fetched: an address only names entries. ".invalid" cannot resolve anywhere.
const KEY_ORIGIN = 'https://models.connector-lens.invalid';

const fileKey = (k: CachedFileKey) => `${KEY_ORIGIN}/file?${new URLSearchParams({ host: k.host, repo: k.repo, sha: k.sha, path: k.path })}`;
const listingKey = (host: HubHost, repo: RepoId, revision: string) => `${KEY_ORIGIN}/listing?${new URLSearchParams({ host, repo, revision })}`;

type ParsedKey =
  | { readonly kind: 'file'; readonly key: CachedFileKey }
  | { readonly kind: 'listing'; readonly host: HubHost; readonly repo: RepoId; readonly revision: string };

function parseKey(url: string): ParsedKey | null {
  if (!url.startsWith(`${KEY_ORIGIN}/`)) return null;
  const u = new URL(url);
  const q = (name: string) => u.searchParams.get(name);
  const host = q('host') as HubHost | null;
  const repo = q('repo') as RepoId | null;
  if (host === null || repo === null) return null;
  if (u.pathname === '/file') {
    const sha = q('sha');
    const path = q('path');
    return sha === null || path === null ? null : { kind: 'file', key: { host, repo, sha, path } };
  }
  const revision = q('revision');
  return u.pathname === '/listing' && revision !== null ? { kind: 'listing', host, repo, revision } : null;
}

const modelId = (host: string, repo: string, sha: string) => `${host} ${repo} ${sha}`;

export class ModelCache {
  constructor(private readonly store: BlobStore) {}

  getFile(key: CachedFileKey): Promise<Blob | null> {
    return this.store.get(fileKey(key));
  }

  /** Only ever called with a complete, checked file. */
  putFile(key: CachedFileKey, blob: Blob): Promise<void> {
    return this.store.put(fileKey(key), blob);
  }

  async getListing(host: HubHost, repo: RepoId, revision: string): Promise<RepoListing | null> {
    const blob = await this.store.get(listingKey(host, repo, revision));
    if (!blob) return null;
    try {
      return parseRepoListing(JSON.parse(await blob.text()), repo);
    } catch {
      return null; // a damaged entry is a miss: the hub is asked again
    }
  }

  putListing(host: HubHost, repo: RepoId, revision: string, listing: RepoListing): Promise<void> {
    // Stored in the hub's own shape, so reading it back goes through the same checks.
    const json = {
      sha: listing.sha,
      gated: listing.gated,
      siblings: listing.files.map((f) => ({ rfilename: f.path, ...(f.size === null ? {} : { size: f.size }) })),
    };
    return this.store.put(listingKey(host, repo, revision), new Blob([JSON.stringify(json)], { type: 'application/json' }));
  }

  async list(): Promise<CachedModel[]> {
    const models = new Map<string, { host: HubHost; repo: RepoId; sha: string; revisions: string[]; files: { path: string; size: number }[] }>();
    const model = (host: HubHost, repo: RepoId, sha: string) => {
      const id = modelId(host, repo, sha);
      let m = models.get(id);
      if (!m) models.set(id, (m = { host, repo, sha, revisions: [], files: [] }));
      return m;
    };
    const listings: { host: HubHost; repo: RepoId; revision: string }[] = [];
    for (const entry of await this.store.entries()) {
      const key = parseKey(entry.url);
      if (key?.kind === 'file') model(key.key.host, key.key.repo, key.key.sha).files.push({ path: key.key.path, size: entry.size });
      else if (key?.kind === 'listing') listings.push(key);
    }
    for (const l of listings) {
      const listing = await this.getListing(l.host, l.repo, l.revision);
      if (listing) model(l.host, l.repo, listing.sha).revisions.push(l.revision);
    }
    return [...models.values()]
      .map((m) => ({
        ...m,
        revisions: m.revisions.sort(),
        files: m.files.sort((a, b) => a.path.localeCompare(b.path)),
        bytes: m.files.reduce((s, f) => s + f.size, 0),
        complete: m.revisions.length > 0,
      }))
      .sort((a, b) => a.repo.localeCompare(b.repo) || a.sha.localeCompare(b.sha));
  }

  /** Removes a model's files and every revision name that resolves to it; returns bytes freed. */
  async evict(target: { readonly host: HubHost; readonly repo: RepoId; readonly sha: string }): Promise<number> {
    const id = modelId(target.host, target.repo, target.sha);
    let freed = 0;
    for (const entry of await this.store.entries()) {
      const key = parseKey(entry.url);
      if (key?.kind === 'file' && modelId(key.key.host, key.key.repo, key.key.sha) === id) {
        await this.store.delete(entry.url);
        freed += entry.size;
      } else if (key?.kind === 'listing' && key.host === target.host && key.repo === target.repo) {
        const listing = await this.getListing(key.host, key.repo, key.revision);
        if (!listing || listing.sha === target.sha) await this.store.delete(entry.url);
      }
    }
    return freed;
  }
}

/** A BlobStore in memory: for tests, and for browsers without Cache Storage (the session only). */
export function memoryBlobStore(): BlobStore {
  const blobs = new Map<string, Blob>();
  return {
    get: async (url) => blobs.get(url) ?? null,
    put: async (url, blob) => void blobs.set(url, blob),
    delete: async (url) => void blobs.delete(url),
    entries: async () => [...blobs].map(([url, blob]) => ({ url, size: blob.size })),
  };
}
