/**
 * Models from a Hugging Face-style hub: the download under way (progress, cancel) and the models
 * cached in this browser (listed with sizes, evictable). Nothing here runs a model: a finished
 * download is handed to openHubModel (hubModel.ts), the one place that decides how it opens.
 */
import { createStore } from 'zustand/vanilla';
import { describeFailure, errorText, isUserFacing, userMessage } from '../core/errors.ts';
import { cacheStorageStore } from '../core/hub/cacheStorageStore.ts';
import { isHubError } from '../core/hub/hubErrors.ts';
import { parseHubRequest, type HubRequest, type HubRequestInput } from '../core/hub/hubRequest.ts';
import { loadHubModel, type HubModel, type HubProgress } from '../core/hub/loadHubModel.ts';
import { memoryBlobStore, ModelCache, type CachedModel } from '../core/hub/modelCache.ts';
import { openHubModel } from './hubModel.ts';
import { say } from './uiStore.ts';

export interface HubDownload {
  readonly repo: string;
  readonly progress: HubProgress | null;
  readonly cancel: () => void;
}

export interface HubState {
  /** The hub asked: huggingface.co, or `?hub=<origin>` (a mirror, or a loopback server in tests; the production CSP allows only huggingface.co). */
  readonly host: string | undefined;
  readonly download: HubDownload | null;
  /** Null until first read. */
  readonly cached: readonly CachedModel[] | null;
  /** False where Cache Storage is missing (plain-http pages, some private modes): models last the session only. */
  readonly persistent: boolean;
}

const hasCacheStorage = () => typeof caches !== 'undefined';

const hostFromUrl = (): string | undefined => (typeof location === 'undefined' ? undefined : (new URLSearchParams(location.search).get('hub') ?? undefined));

export const hubStore = createStore<HubState>()(() => ({ host: hostFromUrl(), download: null, cached: null, persistent: hasCacheStorage() }));

let cache: ModelCache | null = null;
function modelCache(): ModelCache {
  cache ??= new ModelCache(hasCacheStorage() ? cacheStorageStore(caches) : memoryBlobStore());
  return cache;
}

/** Progress arrives per network chunk; the bar needs a few updates a second, not thousands. */
const PROGRESS_INTERVAL_MS = 100;

export async function openFromHub(input: Omit<HubRequestInput, 'host'>): Promise<void> {
  if (hubStore.getState().download) return;
  let request: HubRequest;
  try {
    request = parseHubRequest({ ...input, host: hubStore.getState().host });
  } catch (error) {
    say('error', userMessage(error));
    return;
  }
  const controller = new AbortController();
  let shownAt = 0;
  let shownPath = '';
  const show = (p: HubProgress) => {
    const now = performance.now();
    if (now - shownAt < PROGRESS_INTERVAL_MS && p.path === shownPath && p.done !== p.total) return;
    shownAt = now;
    shownPath = p.path;
    hubStore.setState((s) => (s.download ? { download: { ...s.download, progress: p } } : {}));
  };
  hubStore.setState({ download: { repo: request.repo, progress: null, cancel: () => controller.abort() } });
  let model: HubModel;
  try {
    model = await loadHubModel(request, { cache: modelCache(), signal: controller.signal, onProgress: show });
  } catch (error) {
    const cancelled = isHubError(error, 'cancelled');
    const failure = describeFailure(error, `download ${request.repo}`);
    say(cancelled ? 'info' : 'error', isUserFacing(error) ? error.message : `Could not open ${request.repo}: ${failure.message}`, { details: failure.details });
    return;
  } finally {
    hubStore.setState({ download: null });
    void refreshCachedModels();
  }
  if (model.cacheWarning) say('warning', model.cacheWarning);
  await openHubModel(model);
}

export function cancelHubDownload(): void {
  hubStore.getState().download?.cancel();
}

export async function refreshCachedModels(): Promise<void> {
  try {
    hubStore.setState({ cached: await modelCache().list() });
  } catch {
    hubStore.setState({ cached: [] });
  }
}

export async function evictCachedModel(model: CachedModel): Promise<void> {
  try {
    await modelCache().evict(model);
    say('info', `Removed ${model.repo} (${model.sha.slice(0, 7)}) from this browser; opening it again downloads it again.`);
  } catch (error) {
    say('error', `Could not remove ${model.repo} from this browser's storage. Try again, or clear the site's data in the browser's settings.`, {
      details: errorText(error),
    });
  }
  await refreshCachedModels();
}
