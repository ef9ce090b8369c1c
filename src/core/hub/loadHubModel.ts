/**
 * Open a model from a hub: resolve the revision to a commit, choose the files (a transformers.js
 * export's vision encoder of one dtype variant with its weight shards and config JSONs, or a
 * Connector Lens pack: manifest.json and the graphs it names), then take each file from the cache
 * or download it. Files are cached one by one as each completes, so a stopped download resumes
 * at the file it stopped in; the revision's listing is cached last, once the set is whole.
 */
import { parseManifest } from '../pack/packFiles.ts';
import { errorText, isUserFacing } from '../errors.ts';
import type { PackManifest } from '../types.ts';
import { formatBytes } from '../formatBytes.ts';
import { cancelledError, downloadFile } from './download.ts';
import { HubError } from './hubErrors.ts';
import { describeHttpError, type HttpErrorContext } from './httpErrors.ts';
import { apiRevisionUrl, resolveUrl, type HubHost, type RepoId, type Revision } from './hubLocation.ts';
import type { HubRequest } from './hubRequest.ts';
import type { ModelCache } from './modelCache.ts';
import { parseRepoListing, type RepoListing } from './repoListing.ts';
import { externalDataShards, hasVisionEncoder, pickVisionEncoder, type DtypeVariant } from './variants.ts';

export type JsonObject = { readonly [key: string]: unknown };

export interface HubModel {
  readonly host: HubHost;
  readonly repo: RepoId;
  readonly revision: Revision;
  /** The commit the revision resolved to. */
  readonly sha: string;
  /** 'stock': a transformers.js-style export; 'pack': a Connector Lens pack (docs/model-pack.md). */
  readonly kind: 'stock' | 'pack';
  /** The dtype variant taken (stock); null for a pack. */
  readonly variant: DtypeVariant | null;
  /** Path of the vision encoder graph in `files`. */
  readonly encoder: string;
  /** Every file taken, by repo path: graphs, external-data shards, JSON. */
  readonly files: ReadonlyMap<string, Blob>;
  /** config.json and preprocessor_config.json of a stock export; null for a pack. */
  readonly config: JsonObject | null;
  readonly preprocessorConfig: JsonObject | null;
  /** The pack's checked manifest; null for a stock export. */
  readonly manifest: PackManifest | null;
  readonly bytes: number;
  /** How many of the files came from the cache (all of them: no request was made). */
  readonly cachedFiles: number;
  /** Set when the cache refused to store (quota, private mode): the model opens, but is not kept. */
  readonly cacheWarning: string | null;
}

export interface HubProgress {
  /** The file now under way. */
  readonly path: string;
  readonly fileDone: number;
  readonly fileTotal: number | null;
  /** Over all the model's files; total is null while some file's size is unknown. */
  readonly done: number;
  readonly total: number | null;
  readonly fileIndex: number;
  readonly fileCount: number;
  readonly fromCache: boolean;
}

export interface HubLoadOptions {
  readonly cache: ModelCache;
  readonly fetch?: typeof fetch | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds without a byte before a download is given up (default 30 s). */
  readonly stallMs?: number | undefined;
  readonly onProgress?: ((p: HubProgress) => void) | undefined;
}

export const DEFAULT_STALL_MS = 30_000;
/** Config JSONs and pack manifests are kilobytes; a listing that says more is not one of them. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** A repo's file list with sizes: the largest model repos list a few thousand files, well under 1 MB. */
export const MAX_LISTING_BYTES = 16 * 1024 * 1024;
const STOCK_JSON = ['config.json', 'preprocessor_config.json'] as const;

function parseJsonObject(text: string, path: string, repo: RepoId): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new HubError('unusable', `${path} of ${repo} is not valid JSON (${errorText(error)}). The repo is broken at this revision; try another revision.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new HubError('unusable', `${path} of ${repo} is not a JSON object. The repo is broken at this revision; try another revision.`);
  return json as JsonObject;
}

export async function loadHubModel(req: HubRequest, o: HubLoadOptions): Promise<HubModel> {
  const { host, repo, revision } = req;
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  const stallMs = o.stallMs ?? DEFAULT_STALL_MS;
  const headers = req.token === null ? undefined : { authorization: `Bearer ${req.token}` };
  const context = (path: string | null, gated: boolean | string): HttpErrorContext => ({ host, repo, revision, hasToken: req.token !== null, path, gated });
  if (o.signal?.aborted) throw cancelledError(`the file list of ${repo}`);

  // 1. Which commit, which files. A cached listing answers without a request.
  let listing: RepoListing | null = req.refresh ? null : await o.cache.getListing(host, repo, revision).catch(() => null);
  if (listing === null) {
    const label = `the file list of ${repo}`;
    const blob = await downloadFile(apiRevisionUrl(host, repo, revision), {
      fetch: doFetch,
      label,
      stallMs,
      signal: o.signal,
      headers,
      maxBytes: MAX_LISTING_BYTES,
      onProgress: (p) =>
        o.onProgress?.({ path: 'file list', fileDone: p.done, fileTotal: p.total, done: p.done, total: p.total, fileIndex: 0, fileCount: 1, fromCache: false }),
      describeHttpError: (status, code) => describeHttpError(context(null, false), status, code),
    });
    listing = parseRepoListing(parseJsonObject(await blob.text(), 'The file list', repo), repo);
  }
  const { sha, gated } = listing;
  const paths = listing.files.map((f) => f.path);
  const sizes = new Map<string, number | null>(listing.files.map((f) => [f.path, f.size]));

  // 2. Files, each from the cache or the network, with progress over the whole set.
  const files = new Map<string, Blob>();
  const plan: string[] = [];
  let cachedFiles = 0;
  let cacheWarning: string | null = null;
  const doneBytes = () => [...files.values()].reduce((s, b) => s + b.size, 0);
  const totalBytes = () => plan.reduce<number | null>((s, p) => (s === null ? null : sizes.get(p) == null ? null : s + sizes.get(p)!), 0);
  const report = (path: string, fileDone: number, fileTotal: number | null, fromCache: boolean) =>
    o.onProgress?.({
      path,
      fileDone,
      fileTotal,
      done: doneBytes() + (files.has(path) ? 0 : fileDone),
      total: totalBytes(),
      fileIndex: plan.indexOf(path),
      fileCount: plan.length,
      fromCache,
    });

  const take = async (path: string): Promise<Blob> => {
    const key = { host, repo, sha, path };
    const listed = sizes.get(path) ?? null;
    const cached = await o.cache.getFile(key).catch(() => null);
    // A cached file whose size disagrees with the listing is damaged: fetch it again.
    if (cached && (listed === null || cached.size === listed)) {
      sizes.set(path, cached.size);
      report(path, cached.size, cached.size, true);
      files.set(path, cached);
      cachedFiles += 1;
      return cached;
    }
    const blob = await downloadFile(resolveUrl(host, repo, sha, path), {
      fetch: doFetch,
      label: `${path} of ${repo}`,
      stallMs,
      signal: o.signal,
      headers,
      expectedSize: listed,
      onProgress: (p) => {
        if (p.total !== null) sizes.set(path, p.total);
        report(path, p.done, p.total, false);
      },
      describeHttpError: (status, code) => describeHttpError(context(path, gated), status, code),
    });
    sizes.set(path, blob.size);
    files.set(path, blob);
    await o.cache.putFile(key, blob).catch((error: unknown) => {
      cacheWarning ??= `The model could not be stored in this browser (${errorText(error)}); it opens now but will download again next time. Free space under "Stored in this browser".`;
    });
    return blob;
  };
  const takeJson = async (path: string): Promise<JsonObject> => {
    const listed = sizes.get(path) ?? null;
    if (listed !== null && listed > MAX_JSON_BYTES)
      throw new HubError('unusable', `${path} of ${repo} is ${formatBytes(listed)}; a config file is a few kilobytes. The repo is not a usable export.`);
    return parseJsonObject(await (await take(path)).text(), path, repo);
  };

  let kind: HubModel['kind'];
  let encoder: string;
  let config: JsonObject | null = null;
  let preprocessorConfig: JsonObject | null = null;
  let manifest: PackManifest | null = null;
  if (hasVisionEncoder(paths)) {
    kind = 'stock';
    const picked = pickVisionEncoder(paths, req.variant, repo);
    const missing = STOCK_JSON.filter((p) => !sizes.has(p));
    if (missing.length > 0) {
      throw new HubError(
        'unusable',
        `${repo} has no ${missing.join(' or ')} at its root; the app needs ${missing.length > 1 ? 'them' : 'it'} to know the model and to prepare images as it expects. Use an export that ships the config files (transformers.js-style, e.g. onnx-community/…).`,
      );
    }
    encoder = picked.graph;
    // JSON first: a broken config is found before gigabytes of weights are fetched.
    plan.push(...STOCK_JSON, picked.graph, ...picked.shards);
    config = await takeJson('config.json');
    preprocessorConfig = await takeJson('preprocessor_config.json');
    for (const p of [picked.graph, ...picked.shards]) await take(p);
  } else if (sizes.has('manifest.json')) {
    kind = 'pack';
    plan.push('manifest.json');
    try {
      manifest = parseManifest(await (await take('manifest.json')).text());
    } catch (error) {
      throw isUserFacing(error) && !(error instanceof HubError) ? new HubError('unusable', `${repo}: ${error.message}`, { cause: error }) : error;
    }
    const graphs = [manifest.files.encoder, manifest.files.connector];
    const absent = graphs.filter((g) => !sizes.has(g));
    if (absent.length > 0)
      throw new HubError(
        'unusable',
        `${repo}'s manifest.json names ${absent.join(' and ')}, which the repo does not have at ${sha.slice(0, 7)}. The pack upload is incomplete; upload the files its manifest names.`,
      );
    encoder = manifest.files.encoder;
    plan.push(...graphs.flatMap((g) => [g, ...externalDataShards(paths, g)]));
    for (const p of plan.slice(1)) await take(p);
  } else {
    throw new HubError(
      'unusable',
      `${repo} has neither onnx/vision_encoder*.onnx (a transformers.js-style ONNX export) nor a manifest.json (a Connector Lens pack). Look for an ONNX export of the model, e.g. under onnx-community/.`,
    );
  }

  if (o.signal?.aborted) throw cancelledError(repo);
  // The set is whole: from now on this revision opens without asking the hub.
  if (cacheWarning === null) await o.cache.putListing(host, repo, revision, listing).catch(() => undefined);
  return {
    host,
    repo,
    revision,
    sha,
    kind,
    variant: kind === 'stock' ? req.variant : null,
    encoder,
    files,
    config,
    preprocessorConfig,
    manifest,
    bytes: doneBytes(),
    cachedFiles,
    cacheWarning,
  };
}
