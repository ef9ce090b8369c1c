/**
 * First visit: when the bundled set ships a reconstruction trained at build time for the open
 * pack, install it instead of training (seconds on a GPU, many minutes without one), provided the
 * encoder here reproduces the inputs it was trained on. Otherwise the caller trains as usual.
 */
import { errorText, userMessage } from '../core/errors.ts';
import { matchPrecomputed, parsePrecomputed } from '../core/imageset/precomputed.ts';
import { reconstructorLabel } from '../core/patches/reconstructorLabel.ts';
import { analysisStore } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { fetchShippedJson } from './shippedJson.ts';
import { say } from './uiStore.ts';

const BASE = './reconstructions/';

/** True when a verified precomputed reconstruction is now the current one. */
export async function installPrecomputedReconstruction(packId: string): Promise<boolean> {
  const response = await fetchShippedJson(`${BASE}${encodeURIComponent(packId)}.json`);
  if (!response) return false; // none shipped for this pack: train instead
  try {
    const record = parsePrecomputed(await response.json());
    const { embeddings, reconstruction, trainJob } = analysisStore.getState();
    const { modelKey } = modelStore.getState();
    if (modelStore.getState().packId !== packId || analysisStore.getState().modelKey !== modelKey || reconstruction || trainJob) return false;
    if (record.packId !== packId) throw new Error(`it was made for pack ${record.packId}`);
    const images = collectionStore.getState().images.map((i) => ({
      id: i.id,
      name: i.name,
      pooled: embeddings[i.id] ? { pre: embeddings[i.id]!.pooledPre, post: embeddings[i.id]!.pooledPost } : null,
    }));
    const match = matchPrecomputed(record, images);
    if ('mismatch' in match) {
      say('info', `The reconstruction shipped with the image set does not fit this collection (${match.mismatch}); training one instead.`);
      return false;
    }
    const idOf = new Map(record.files.map((f, row) => [f, match.ids[row]!] as const));
    analysisStore.setState({
      training: { status: 'done', epochs: record.epochs, trainLoss: record.trainLoss, valLoss: record.valLoss, bestEpoch: record.bestEpoch, error: null },
      reconstruction: {
        ids: match.ids,
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
      },
    });
    say(
      'info',
      `Heatmaps come from a reconstructor trained on this image set when the app was built (${record.epochs} epochs; this browser's encoder and connector reproduced its inputs). Train to retrain it here.`,
    );
    return true;
  } catch (error) {
    say('warning', userMessage(error, 'The reconstruction shipped with the image set could not be used; training one instead.'), { details: errorText(error) });
    return false;
  }
}
