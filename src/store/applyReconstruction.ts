/**
 * Heatmaps for images added after the reconstructor was trained: the kept reconstructor (its
 * best weights and the standardisers fitted on its training images) is applied to them in the
 * training worker, without retraining, and they join the result marked as added (never seen in
 * training, so their losses read like held-out ones). Runs after every embedding job and after
 * training; a result replaced meanwhile (retrained, another model) takes the losses nowhere.
 */
import { describeFailure } from '../core/errors.ts';
import { analysisStore } from './analysisStore.ts';
import { modelStore } from './modelStore.ts';
import { embeddedIds } from './neighbours.ts';
import { appSession, type PipelineSession } from './session.ts';
import { stackedTokens } from './tokens.ts';
import { sayFailure } from './uiStore.ts';

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export async function scoreAddedImages(session: PipelineSession = appSession()): Promise<void> {
  const { manifest, modelKey } = modelStore.getState();
  const { reconstruction, trainJob, modelKey: resultsKey } = analysisStore.getState();
  // While training runs, its result will cover what is embedded by then; this runs again after it.
  if (!manifest || !modelKey || !reconstruction || trainJob || resultsKey !== modelKey || reconstruction.tokens !== manifest.tokens.pre) return;
  const scored = new Set(reconstruction.ids);
  const ids = embeddedIds().filter((id) => !scored.has(id));
  if (ids.length === 0) return;
  const data = await stackedTokens(modelKey, ids, manifest.tokens, session).catch((error: unknown) => {
    const failure = describeFailure(error, "gather the added images' tokens");
    sayFailure('warning', `The added images have no heatmap yet: ${failure.message} Train again to include them.`, failure);
    return null;
  });
  if (!data) return;
  // Replaced while the tokens were gathered: start again against what is current.
  if (analysisStore.getState().reconstruction !== reconstruction || analysisStore.getState().trainJob) return scoreAddedImages(session);
  // The kept weights are copied, not transferred: the result keeps them.
  const { promise } = session.training.request(
    { type: 'apply-reconstructor', ...data, kept: reconstruction.model },
    { transfer: [data.pre.buffer, data.post.buffer] },
  );
  let result;
  try {
    result = await promise;
  } catch (error) {
    const failure = describeFailure(error, 'apply the reconstructor to the added images');
    if (failure.code !== 'cancelled' && failure.code !== 'stopped')
      sayFailure('warning', `The added images have no heatmap yet: ${failure.message} Train again to include them.`, failure);
    return;
  }
  const now = analysisStore.getState();
  if (now.modelKey !== modelKey) return;
  // Replaced meanwhile (a retrain, or another pass that scored images first): score what is still missing against the current one.
  if (now.reconstruction !== reconstruction) return scoreAddedImages(session);
  analysisStore.setState({
    reconstruction: {
      ...reconstruction,
      ids: [...reconstruction.ids, ...ids],
      perPatch: concat(reconstruction.perPatch, result.perPatch),
      perImage: concat(reconstruction.perImage, result.perImage),
      addedIds: [...(reconstruction.addedIds ?? []), ...ids],
    },
  });
}
