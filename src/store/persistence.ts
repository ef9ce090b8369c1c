/**
 * The session survives a reload: images (as Blobs), each model's pooled vectors and display
 * crops, the last reconstruction result and the view settings live in IndexedDB, written as the
 * stores change; the token matrices are written to OPFS files by the tokens worker (store/tokens.ts).
 * Results are filed under the model's content key (core/identity/modelIdentity.ts), never a
 * name, so a changed model (other weights, other preprocessing) never reads back another's.
 * Writes are one transaction each, so a failed write (quota) leaves nothing half-written; the
 * user is told the session will not fully survive a reload. A training run cannot be resumed
 * after a reload (its weights live in a worker); the app says it was interrupted.
 * Only the tab that holds the session (sessionTabs.ts) writes; the others restore and read.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { errorText } from '../core/errors.ts';
import type { Metric } from '../core/types.ts';
import { analysisStore, type ImageEmbedding, type ReconstructionResult, type TrainingState } from './analysisStore.ts';
import { collectionStore, type ImageEntry } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { blockStoreIsOpen, sessionPackId } from './blockStoreSession.ts';
import { announce, isSessionWriter } from './sessionTabs.ts';
import { appSession, type PipelineSession } from './session.ts';
import { forgetAllTokens, forgetTokens, heldTokens, keepTokens, shapeOf } from './tokens.ts';
import { say, uiStore } from './uiStore.ts';

interface StoredImage {
  readonly id: string;
  readonly order: number;
  readonly name: string;
  readonly blob: Blob;
  readonly bytes: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly label: string | null;
  /** Absent in records written before labels had sources and images had hashes. */
  readonly labelSource?: string | null;
  readonly contentHash?: string | null;
}
/** `run` is absent in records written before it was kept: the run is then the stored training's. */
type StoredReconstruction = Omit<ReconstructionResult, 'validationIds' | 'run'> & {
  readonly validationIds: string[];
  readonly training: TrainingState;
  readonly run?: ReconstructionResult['run'];
};

function reconstructionRun(r: StoredReconstruction): ReconstructionResult['run'] {
  if (r.run) return r.run;
  const best = r.training.bestEpoch;
  return { bestEpoch: best, bestValLoss: best === null ? null : (r.training.valLoss[best - 1] ?? null) };
}
export interface StoredSession {
  readonly packId: string | null;
  readonly selectedId: string | null;
  readonly k: number;
  readonly metric: Metric;
  readonly includeSelf: boolean;
  readonly epochs: number;
  readonly overlayOpacity: number;
  /** Set while a training run is going: found set after a reload, it was interrupted. */
  readonly trainingInFlight: boolean;
}

interface StoredEmbedding extends ImageEmbedding {
  readonly modelKey: string;
  readonly imageId: string;
  /** Only in records written before the tokens moved to their worker: moved there when read. */
  readonly pre?: Float32Array;
  readonly post?: Float32Array;
}

interface LensDb extends DBSchema {
  images: { key: string; value: StoredImage };
  /** Pooled vectors and display crop; the token matrices are in the tokens worker's files (store/tokens.ts). Records written before that also hold `pre` and `post`. */
  embeddings: { key: string; value: StoredEmbedding };
  reconstructions: { key: string; value: StoredReconstruction };
  session: { key: 'session'; value: StoredSession };
}

const DB_NAME = 'connector-lens';
let db: Promise<IDBPDatabase<LensDb>> | null = null;
let quotaWarned = false;

/** 2: results filed under content keys instead of pack ids. */
const DB_VERSION = 2;

function database(): Promise<IDBPDatabase<LensDb>> {
  db ??= openDB<LensDb>(DB_NAME, DB_VERSION, {
    upgrade(d, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        d.createObjectStore('images', { keyPath: 'id' });
        d.createObjectStore('embeddings');
        d.createObjectStore('reconstructions');
        d.createObjectStore('session');
      }
      // Version 1 filed results under pack ids, which a changed model shares: they cannot be
      // trusted for any model, so they go (images and settings stay; the images embed again).
      if (oldVersion === 1) {
        void tx.objectStore('embeddings').clear();
        void tx.objectStore('reconstructions').clear();
      }
    },
    // Another tab of an older version holds the database open: it is told to let go on reload.
    blocking() {
      void db?.then((d) => d.close());
      db = null;
    },
  });
  return db;
}

async function guarded(task: (d: IDBPDatabase<LensDb>) => Promise<unknown>): Promise<void> {
  try {
    await task(await database());
  } catch (error) {
    if (quotaWarned) return;
    quotaWarned = true;
    const quota = error instanceof DOMException && error.name === 'QuotaExceededError';
    say(
      'warning',
      quota
        ? 'Browser storage is full: this session keeps working, but what came after this point will not survive a reload. Clear stored sessions to make room.'
        : 'Could not save the session for reloads (the browser refused its storage); everything still works until you reload.',
      { details: quota ? null : errorText(error) },
    );
  }
}

// Image first, so all of an image's embeddings (one per model) go with one key range.
const embeddingKey = (modelKey: string, imageId: string) => `${imageId}/${modelKey}`;
const embeddingsOf = (imageId: string) => IDBKeyRange.bound(`${imageId}/`, `${imageId}/\uffff`);

function sessionNow(trainingInFlight: boolean): StoredSession {
  const ui = uiStore.getState();
  // A block store cannot be reopened after a reload: the session remembers the model it set aside.
  return {
    packId: sessionPackId(modelStore.getState().packId),
    selectedId: blockStoreIsOpen() ? null : ui.selectedId,
    k: ui.k,
    metric: ui.metric,
    includeSelf: ui.includeSelf,
    epochs: ui.epochs,
    overlayOpacity: ui.overlayOpacity,
    trainingInFlight,
  };
}

/** Write changes as they happen. Call once, after restoring; returns a function that stops it. Only the writer tab writes. */
export function startPersisting(): () => void {
  if (!isSessionWriter()) return () => {};
  const stops: (() => void)[] = [];
  stops.push(
    collectionStore.subscribe((now, before) => {
      if (now.images === before.images) return;
      // A block store's blocks are not the stored collection (that is set aside, and comes back).
      if (blockStoreIsOpen()) return;
      const old = new Map(before.images.map((i) => [i.id, i]));
      const current = new Set(now.images.map((i) => i.id));
      const added = now.images.map((image, order) => ({ image, order })).filter(({ image }) => !old.has(image.id));
      const removed = before.images.filter((i) => !current.has(i.id)).map((i) => i.id);
      // Same image, new object: only its label can change (a label file was applied).
      const relabelled = now.images.filter((i) => old.has(i.id) && old.get(i.id) !== i);
      void guarded(async (d) => {
        const tx = d.transaction(['images', 'embeddings'], 'readwrite');
        for (const { image, order } of added) {
          const { id, name, blob, bytes, width, height, label, labelSource, contentHash } = image;
          void tx.objectStore('images').put({ id, order: Date.now() * 1000 + order, name, blob, bytes, width, height, label, labelSource, contentHash });
        }
        for (const image of relabelled) {
          const stored = await tx.objectStore('images').get(image.id);
          if (stored) void tx.objectStore('images').put({ ...stored, label: image.label, labelSource: image.labelSource });
        }
        for (const id of removed) {
          void tx.objectStore('images').delete(id);
          void tx.objectStore('embeddings').delete(embeddingsOf(id));
        }
        await tx.done;
        if (removed.length > 0) await forgetTokens(removed);
        announce(added.length > 0 || removed.length > 0 ? 'images' : 'labels');
      });
    }),
  );
  stops.push(
    analysisStore.subscribe((now, before) => {
      const modelKey = now.modelKey;
      if (!modelKey) return;
      // A block store's vectors and reconstructions live in its files, not here.
      if (now.embeddings !== before.embeddings && now.modelKey === before.modelKey && !blockStoreIsOpen()) {
        const fresh = Object.entries(now.embeddings).filter(([id, e]) => before.embeddings[id] !== e);
        if (fresh.length > 0) {
          void guarded(async (d) => {
            const tx = d.transaction('embeddings', 'readwrite');
            for (const [imageId, { pooledPre, pooledPost, display }] of fresh)
              void tx.store.put({ pooledPre, pooledPost, display, modelKey, imageId }, embeddingKey(modelKey, imageId));
            await tx.done;
          });
        }
      }
      // (A shipped reconstruction shown before every image is checked is kept once it is.)
      if (
        now.reconstruction !== before.reconstruction &&
        now.reconstruction &&
        now.training.status === 'done' &&
        now.reconstruction.precomputed?.verified !== false &&
        !blockStoreIsOpen()
      ) {
        const r = now.reconstruction;
        void guarded((d) => d.put('reconstructions', { ...r, validationIds: [...r.validationIds], training: now.training }, modelKey));
      }
      if ((now.trainJob === null) !== (before.trainJob === null)) {
        void guarded((d) => d.put('session', sessionNow(now.trainJob !== null), 'session'));
        announce(now.trainJob === null ? 'training-ended' : 'training-started');
      }
    }),
  );
  const saveSession = () => void guarded((d) => d.put('session', sessionNow(analysisStore.getState().trainJob !== null), 'session'));
  stops.push(
    uiStore.subscribe((now, before) => {
      if (
        now.selectedId !== before.selectedId ||
        now.k !== before.k ||
        now.metric !== before.metric ||
        now.includeSelf !== before.includeSelf ||
        now.epochs !== before.epochs ||
        now.overlayOpacity !== before.overlayOpacity
      )
        saveSession();
    }),
  );
  stops.push(
    modelStore.subscribe((now, before) => {
      if (now.packId !== before.packId) saveSession();
    }),
  );
  return () => stops.forEach((stop) => stop());
}

/** Bring back the collection and settings; returns the pack to open (null: the default). */
export async function restoreSession(): Promise<StoredSession | null> {
  try {
    const d = await database();
    const [session, images] = await Promise.all([d.get('session', 'session'), d.getAll('images')]);
    images.sort((a, b) => a.order - b.order);
    const entries: ImageEntry[] = images.map(({ id, name, blob, bytes, width, height, label, labelSource, contentHash }) => ({
      id,
      name,
      blob,
      url: URL.createObjectURL(blob),
      bytes,
      width,
      height,
      label,
      labelSource: labelSource ?? (label === null ? null : 'an earlier session'),
      contentHash: contentHash ?? null,
    }));
    if (entries.length > 0) collectionStore.setState({ images: entries });
    if (session) {
      const { selectedId, k, metric, includeSelf, epochs, overlayOpacity } = session;
      uiStore.setState({ selectedId, k, metric, includeSelf, epochs, overlayOpacity });
      // Only the writer can know the run was lost: in a reader, the run may be going on in the writer's tab.
      if (session.trainingInFlight && isSessionWriter()) {
        say(
          'warning',
          'The page was reloaded while the reconstructor was training: that run was lost. Its previous results (if any) are back; train again to continue.',
        );
        await d.put('session', { ...session, trainingInFlight: false }, 'session');
      }
    }
    return session ?? null;
  } catch (error) {
    say('warning', 'The stored session could not be read (the browser refused its storage); starting fresh. Nothing stored was deleted.', {
      details: errorText(error),
    });
    return null;
  }
}

/**
 * Embeddings and the last reconstruction stored for a model (by content key), for the images
 * still in the collection. An image whose tokens the tokens worker does not have (its files were
 * cleared, or could not be written) is left out: it embeds again, so training finds its tokens.
 */
export async function restoreAnalysis(modelKey: string, session: PipelineSession = appSession()): Promise<void> {
  try {
    const d = await database();
    const ids = collectionStore.getState().images.map((i) => i.id);
    const stored = await Promise.all(ids.map((id) => d.get('embeddings', embeddingKey(modelKey, id))));
    const manifest = modelStore.getState().manifest;
    // Records from before the tokens moved: their matrices go to the tokens worker, the record is rewritten without them.
    const moved: Promise<void>[] = [];
    stored.forEach((e, i) => {
      if (!e?.pre || !e.post || !manifest || modelStore.getState().modelKey !== modelKey) return;
      const { pooledPre, pooledPost, display } = e;
      moved.push(
        keepTokens(modelKey, ids[i]!, shapeOf(manifest.tokens), e.pre, e.post, true, session).then(() =>
          guarded((db) => db.put('embeddings', { pooledPre, pooledPost, display, modelKey, imageId: ids[i]! }, embeddingKey(modelKey, ids[i]!))),
        ),
      );
    });
    await Promise.all(moved);
    const held = await heldTokens(modelKey, ids, session);
    const embeddings: Record<string, ImageEmbedding> = {};
    stored.forEach((e, i) => {
      if (e && held[i]) embeddings[ids[i]!] = { pooledPre: e.pooledPre, pooledPost: e.pooledPost, display: e.display };
    });
    const r = await d.get('reconstructions', modelKey);
    const now = analysisStore.getState();
    if (now.modelKey !== modelKey) return;
    // What is in memory already (kept while a block store was open) is as good as what is stored.
    analysisStore.setState({
      embeddings: { ...embeddings, ...now.embeddings },
      ...(r && !now.reconstruction
        ? { reconstruction: { ...r, validationIds: new Set(r.validationIds), run: reconstructionRun(r) }, training: r.training }
        : {}),
    });
  } catch {
    // Nothing restored: the images are embedded again, which is slower but loses nothing.
  }
}

/** What is stored and how much space the origin uses. */
export async function storageSummary(): Promise<{ images: number; embeddings: number; usage: number | null; quota: number | null }> {
  const d = await database();
  const [images, embeddings] = await Promise.all([d.count('images'), d.count('embeddings')]);
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  const estimate = storage?.estimate ? await storage.estimate() : null;
  return { images, embeddings, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
}

/** Only the writer clears: a reader tab must not empty the session another tab is saving. */
export async function clearStoredSessions(): Promise<void> {
  if (!isSessionWriter()) throw new Error('clearStoredSessions: this tab does not hold the session');
  const d = await database();
  const tx = d.transaction(['images', 'embeddings', 'reconstructions', 'session'], 'readwrite');
  await Promise.all([
    tx.objectStore('images').clear(),
    tx.objectStore('embeddings').clear(),
    tx.objectStore('reconstructions').clear(),
    tx.objectStore('session').clear(),
    tx.done,
  ]);
  await forgetAllTokens();
  announce('cleared');
}
