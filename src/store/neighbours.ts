/**
 * Neighbour sets and KNOR for the embedded images of the open model. Derived, not requested:
 * they are recomputed when k, the metric or the self mode change (a subscription, so no view has
 * to remember to ask) and when an embedding job ends.
 *
 * What the analysis worker holds, and which request is the newest, live in the session
 * (store/session.ts): the worker answers out of order when two requests overlap (it builds tables
 * asynchronously), so only the newest request's answer is shown.
 */
import { describeFailure, isFailure } from '../core/errors.ts';
import { knorBlockedReason } from '../core/knn/nearest.ts';
import type { PooledVectors } from '../workers/protocol.ts';
import { analysisStore, firstLookRow, type FirstLookState, type KnorSource } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { computeKnorBaseline } from './knorBaseline.ts';
import { checkFirstLook } from './firstLookCheck.ts';
import { computeMaps, computeUmap } from './maps.ts';
import { appSession, type PipelineSession } from './session.ts';
import { say, sayFailure, uiStore } from './uiStore.ts';

/** How long a cancelled search may take to stop before its worker is ended and started again. */
const SEARCH_CANCEL_GRACE_MS = 2_000;

/** Collection images embedded by the open model, in collection order. */
export function embeddedIds(): string[] {
  const { embeddings } = analysisStore.getState();
  return collectionStore
    .getState()
    .images.filter((i) => embeddings[i.id])
    .map((i) => i.id);
}

/**
 * An image's pooled vectors from the source a KNOR result was computed from: this browser's
 * embedding ('live') or the first look's record ('first-look'), never a mix of the two, so that
 * the distances shown beside a result are the ones its search measured. Null when that source
 * does not have the image.
 */
export function pooledVectorsOf(id: string, source: KnorSource): { readonly pre: Float32Array; readonly post: Float32Array } | null {
  const { embeddings, firstLook } = analysisStore.getState();
  if (source === 'live') {
    const embedding = embeddings[id];
    return embedding ? { pre: embedding.pooledPre, post: embedding.pooledPost } : null;
  }
  const row = firstLook ? firstLook.ids.indexOf(id) : -1;
  return firstLook && row >= 0 ? firstLookRow(firstLook, row) : null;
}

export function stack(ids: readonly string[], pick: (id: string) => Float32Array): Float32Array {
  const first = pick(ids[0]!);
  const out = new Float32Array(ids.length * first.length);
  ids.forEach((id, i) => out.set(pick(id), i * first.length));
  return out;
}

/** The analysis worker was reset (store/pipeline.ts registers this): it holds no vectors now. */
export function afterAnalysisReset(session: PipelineSession): void {
  session.knorSent = null;
}

/**
 * The key of these vectors in the analysis worker, and whether they must be sent (fresh): only
 * when they change are they sent again; k, the metric and the self mode travel alone.
 */
function dataKeyFor(session: PipelineSession, input: KnorInput): { key: string; fresh: boolean } {
  const { modelKey, ids, source } = input;
  const sent = session.knorSent;
  if (sent && sent.modelKey === modelKey && sent.source === source && sent.ids.length === ids.length && sent.ids.every((id, i) => id === ids[i]))
    return { key: sent.key, fresh: false };
  session.knorVersion += 1;
  return { key: `${modelKey}#${session.knorVersion}`, fresh: true };
}

/** What KNOR is computed from now: whose vectors, of which images, and how to stack them for the worker. */
interface KnorInput {
  readonly modelKey: string;
  readonly ids: readonly string[];
  readonly source: KnorSource;
  readonly vectors: () => PooledVectors;
}

/** Every image of the first look is still in the collection (images added since do not matter: they join when the live KNOR replaces it). */
function firstLookFits(firstLook: FirstLookState): boolean {
  const ids = new Set(collectionStore.getState().images.map((i) => i.id));
  return firstLook.ids.every((id) => ids.has(id));
}

/**
 * The build's precomputed vectors stand while the collection still holds the set they were
 * matched to and this browser has not yet embedded all of it (an image that failed here counts as
 * done: it would otherwise hold the first look up for ever).
 */
function firstLookStands(): boolean {
  const { firstLook, embeddings, failures } = analysisStore.getState();
  if (!firstLook || firstLook.check.status !== 'provisional' || !firstLookFits(firstLook)) return false;
  return firstLook.ids.some((id) => !embeddings[id] && !failures[id]);
}

/** An image of the first look was removed before it was checked: the first look goes, with what it showed (the live KNOR follows once the model has embedded the rest). */
function dropUnfitFirstLook(session: PipelineSession): void {
  const { firstLook, knor } = analysisStore.getState();
  if (!firstLook || firstLook.check.status !== 'provisional' || firstLookFits(firstLook)) return;
  // Answers still on their way were asked of the first look's vectors: none of them may land now.
  session.knorRequests += 1;
  session.mapRequests += 1;
  session.baselineRequests += 1;
  analysisStore.setState({ firstLook: null, ...(knor?.source === 'first-look' ? { knor: null, maps: null, knorBaseline: null, umap: null } : {}) });
}

function knorInput(): KnorInput | null {
  const analysis = analysisStore.getState();
  const { firstLook } = analysis;
  if (firstLook && analysis.modelKey && firstLookStands()) {
    const { ids, dPre, dPost } = firstLook;
    // Copies: the worker takes the buffers it is sent, and the first look may be sent again.
    const vectors = () => ({ pre: firstLook.pooledPre.slice(), post: firstLook.pooledPost.slice(), n: ids.length, dPre, dPost });
    return { modelKey: analysis.modelKey, ids, source: 'first-look', vectors };
  }
  const { manifest, modelKey } = modelStore.getState();
  if (!manifest || !modelKey || analysis.modelKey !== modelKey) return null;
  const ids = embeddedIds();
  const vectors = (): PooledVectors => {
    const { embeddings } = analysisStore.getState();
    return {
      pre: stack(ids, (id) => embeddings[id]!.pooledPre),
      post: stack(ids, (id) => embeddings[id]!.pooledPost),
      n: ids.length,
      dPre: manifest.tokens.dPre,
      dPost: manifest.tokens.dPost,
    };
  };
  return { modelKey, ids, source: 'live', vectors };
}

export async function computeKnor(session: PipelineSession = appSession()): Promise<void> {
  dropUnfitFirstLook(session);
  // A request issued after this one (new settings, new images, one removed) decides what is shown,
  // even when it has nothing to compute yet: an answer still on its way is then out of date.
  const request = ++session.knorRequests;
  // An older search's bar goes: this request's search, if it takes a while, shows its own.
  if (analysisStore.getState().searchJob) analysisStore.setState({ searchJob: null });
  const input = knorInput();
  if (!input) return;
  const { modelKey, ids, source } = input;
  const isNewest = () => session.knorRequests === request;
  const { k, metric, includeSelf } = uiStore.getState();
  const blocked = knorBlockedReason(ids.length, k, includeSelf);
  if (blocked) {
    analysisStore.setState({ knor: null, knorBlocked: blocked });
    return;
  }
  const { key, fresh } = dataKeyFor(session, input);
  const startedAt = Date.now();
  // The bar appears with the first progress report, which only a search that takes a while sends.
  const ask = (data: PooledVectors | null) => {
    const { id, promise } = session.analysis.request(
      { type: 'knn', dataKey: key, data, k, metric, includeSelf },
      {
        transfer: data ? [data.pre.buffer, data.post.buffer] : [],
        onProgress: (p) => {
          if (!isNewest()) return;
          const cancel = () => session.analysis.cancel(id, SEARCH_CANCEL_GRACE_MS);
          analysisStore.setState({
            searchJob: { label: `Neighbour search over ${ids.length} images, percent`, done: p.done, total: p.total, startedAt, cancel },
          });
        },
      },
    );
    return promise;
  };
  try {
    let result = await ask(fresh ? input.vectors() : null);
    session.knorSent = { key, modelKey, ids, source };
    // The worker restarted, or another key replaced this one there: send the vectors again.
    if (result.status === 'need-data') result = await ask(input.vectors());
    if (result.status !== 'ok') return;
    // Results of a model that was replaced meanwhile are not this model's; those of a request
    // overtaken by a newer one are not what the settings and the collection are now.
    if (analysisStore.getState().modelKey !== modelKey || !isNewest()) return;
    const { nnPre, nnPost, perImage, mean, search } = result;
    analysisStore.setState({ knor: { ids, k, metric, includeSelf, nnPre, nnPost, perImage, mean, source, dataKey: key, search }, knorBlocked: null });
    const selected = uiStore.getState().selectedId;
    if (!selected || !ids.includes(selected)) uiStore.setState({ selectedId: ids[0] ?? null });
    if (source === 'live') checkFirstLook();
    void computeMaps(session, key, ids, metric);
    void computeKnorBaseline(session, key, k, metric, includeSelf);
  } catch (error) {
    session.knorSent = null;
    if (isFailure(error, 'cancelled')) {
      say(
        'info',
        `Stopped the neighbour search over ${ids.length} images. ${analysisStore.getState().knor ? 'KNOR shows the last result it had; a' : 'A'} new search starts when k, the metric or the images change.`,
      );
      return;
    }
    // A worker stopped or restarted under it: the next job recomputes.
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed')) return;
    const failure = describeFailure(error, 'compute KNOR');
    sayFailure('error', `KNOR failed: ${failure.message}`, failure);
  } finally {
    // A newer request's bar, if one has appeared, stays.
    if (isNewest()) analysisStore.setState({ searchJob: null });
  }
}

/** Recompute when k, the metric or the self mode change, or an image leaves the collection; lay out UMAP maps when chosen. Returns the unsubscribe. */
export function recomputeKnorOnChanges(session: PipelineSession = appSession()): () => void {
  const settings = uiStore.subscribe((now, before) => {
    if (now.k !== before.k || now.metric !== before.metric || now.includeSelf !== before.includeSelf) void computeKnor(session);
    if (now.mapLayout === 'umap' && before.mapLayout !== 'umap') void computeUmap(session);
  });
  const removals = collectionStore.subscribe((now, before) => {
    if (now.images.length < before.images.length) void computeKnor(session);
  });
  return () => {
    settings();
    removals();
  };
}
