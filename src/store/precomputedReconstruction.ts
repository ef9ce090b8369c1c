/**
 * First visit: when the bundled set ships a reconstruction trained at build time for the open
 * pack, install it instead of training (seconds on a GPU, many minutes without one), provided the
 * encoder here reproduces the inputs it was trained on. Otherwise the caller trains as usual.
 *
 * The heatmaps need not wait for the whole set: installPrecomputedEarly shows them once the first
 * few images embedded here match the record (with the first batch, a second or two after the
 * model opens), marked unverified; installPrecomputedReconstruction checks every image once all
 * are embedded, and takes them away again, saying why, if any does not match.
 */
import { errorText, userMessage } from '../core/errors.ts';
import { matchPrecomputed, matchPrecomputedSoFar, parsePrecomputed, type PrecomputedReconstruction } from '../core/imageset/precomputed.ts';
import { reconstructorLabel } from '../core/patches/reconstructorLabel.ts';
import { analysisStore, idleTraining } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { fetchShippedJson } from './shippedJson.ts';
import { dismissMessage, say } from './uiStore.ts';

const BASE = './reconstructions/';

/** Images that must be embedded here and match before the shipped heatmaps show: the first batch or so. */
export const EARLY_MATCHES = 2;

const records = new Map<string, Promise<PrecomputedReconstruction | null>>();

/** The shipped record for `packId`, fetched and parsed once; null when none ships or it is unusable (said once). */
function recordFor(packId: string): Promise<PrecomputedReconstruction | null> {
  let record = records.get(packId);
  if (!record) {
    record = (async () => {
      const response = await fetchShippedJson(`${BASE}${encodeURIComponent(packId)}.json`);
      if (!response) return null; // none shipped for this pack: train instead
      try {
        const parsed = parsePrecomputed(await response.json());
        if (parsed.packId !== packId) throw new Error(`it was made for pack ${parsed.packId}`);
        return parsed;
      } catch (error) {
        say('warning', userMessage(error, 'The reconstruction shipped with the image set could not be used; training one instead.'), {
          details: errorText(error),
        });
        return null;
      }
    })();
    records.set(packId, record);
  }
  return record;
}

function collectionNow() {
  const { embeddings } = analysisStore.getState();
  return collectionStore.getState().images.map((i) => ({
    id: i.id,
    name: i.name,
    pooled: embeddings[i.id] ? { pre: embeddings[i.id]!.pooledPre, post: embeddings[i.id]!.pooledPost } : null,
  }));
}

/** The open model is `packId`'s and the analysis results are its own. */
const isCurrent = (packId: string) => modelStore.getState().packId === packId && analysisStore.getState().modelKey === modelStore.getState().modelKey;

function install(record: PrecomputedReconstruction, ids: string[], verified: boolean): void {
  const idOf = new Map(record.files.map((f, row) => [f, ids[row]!] as const));
  analysisStore.setState({
    training: { status: 'done', epochs: record.epochs, trainLoss: record.trainLoss, valLoss: record.valLoss, bestEpoch: record.bestEpoch, error: null },
    reconstruction: {
      ids,
      tokens: record.tokens,
      perPatch: record.perPatch,
      perImage: record.perImage,
      validationIds: new Set(record.validationFiles.map((f) => idOf.get(f)!)),
      backend: `${record.backend}, at build time`,
      architecture: reconstructorLabel(record.architecture),
      stoppedEarly: record.stoppedEarly,
      constantDims: record.constantDims,
      run: { bestEpoch: record.bestEpoch, bestValLoss: record.bestEpoch === null ? null : (record.valLoss[record.bestEpoch - 1] ?? null) },
      model: { weights: record.weights, standardizers: record.standardizers },
      precomputed: { verified },
    },
  });
}

/**
 * Watch the embeddings as they arrive and show the shipped heatmaps once EARLY_MATCHES of the
 * record's images are embedded here and match (none may differ). Stops by itself: when shown, on
 * a mismatch (the full check says why), or when something else already holds the results.
 */
export function installPrecomputedEarly(packId: string): void {
  const record = recordFor(packId);
  let settled = false;
  const attempt = async () => {
    const shipped = await record;
    if (settled) return;
    const now = analysisStore.getState();
    if (!shipped || now.reconstruction || now.trainJob) return stop();
    if (!isCurrent(packId)) return; // the model is still opening
    const soFar = matchPrecomputedSoFar(shipped, collectionNow());
    if ('mismatch' in soFar) return stop();
    if (soFar.checked < Math.min(EARLY_MATCHES, shipped.files.length)) return;
    stop();
    install(shipped, soFar.ids, false);
  };
  const unsubscribe = analysisStore.subscribe((now, before) => {
    if (now.embeddings !== before.embeddings) void attempt();
  });
  function stop(): void {
    settled = true;
    unsubscribe();
  }
  void attempt();
}

/** The message that says the heatmaps come from the shipped reconstruction, while it may be on screen. */
let shippedNote: number | null = null;

/** Takes that message down. */
function withdrawShippedReconstructionNote(): void {
  if (shippedNote !== null) dismissMessage(shippedNote);
  shippedNote = null;
}

// The message describes the bundled collection's heatmaps on screen, so it goes as soon as they are
// no longer the shipped reconstruction's: a retrain finished here, the collection changed, a block
// store opened (its installation starts the analysis afresh, with no reconstruction).
analysisStore.subscribe((state) => {
  if (shippedNote !== null && !state.reconstruction?.precomputed) withdrawShippedReconstructionNote();
});

/** True when a verified precomputed reconstruction is now the current one (installed now, or shown early and now checked in full). */
export async function installPrecomputedReconstruction(packId: string): Promise<boolean> {
  const record = await recordFor(packId);
  if (!record) return false;
  const { reconstruction, trainJob } = analysisStore.getState();
  const early = reconstruction?.precomputed?.verified === false ? reconstruction : null;
  if (!isCurrent(packId) || (reconstruction && !early) || trainJob) return false;
  const match = matchPrecomputed(record, collectionNow());
  if ('mismatch' in match) {
    if (early) analysisStore.setState({ reconstruction: null, training: idleTraining });
    say(
      'info',
      `The reconstruction shipped with the image set does not fit this collection (${match.mismatch}); ${early ? 'its heatmaps are withdrawn and one is trained' : 'training one'} instead.`,
    );
    return false;
  }
  if (early) analysisStore.setState({ reconstruction: { ...early, precomputed: { verified: true } } });
  else install(record, match.ids, true);
  withdrawShippedReconstructionNote();
  shippedNote = say(
    'info',
    `Heatmaps come from a reconstructor trained on this image set when the app was built (${record.epochs} epochs; this browser's encoder and connector reproduced its inputs). Train to retrain it here.`,
  );
  return true;
}
