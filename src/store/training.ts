/**
 * Training the reconstructor P -> V on the embedded images of the open model, in the training
 * worker. Cancel asks the worker to stop between batches; a batch that does not end within the
 * grace period ends the worker. The result is kept only while the same model is open. It runs in
 * the session's training worker (store/session.ts), so a test gives it a scripted one.
 */
import { describeFailure } from '../core/errors.ts';
import { tokenRouting } from '../core/geometry/connectorGeometry.ts';
import { analysisStore, idleTraining } from './analysisStore.ts';
import { scoreAddedImages } from './applyReconstruction.ts';
import { CANCEL_GRACE_MS } from './modelSession.ts';
import { modelStore } from './modelStore.ts';
import { embeddedIds } from './neighbours.ts';
import { appSession, type PipelineSession } from './session.ts';
import { tokenBatches } from './tokens.ts';
import { say, sayFailure, uiStore } from './uiStore.ts';

export const MIN_TRAIN_IMAGES = 4;

/** The job bar's words while every image's per-patch losses are computed after training. */
const EVALUATING = "Computing every image's heatmap, image";

export async function trainReconstructor(session: PipelineSession = appSession()): Promise<void> {
  const { manifest, modelKey } = modelStore.getState();
  if (!manifest || !modelKey || analysisStore.getState().trainJob) return;
  const ids = embeddedIds();
  if (ids.length < MIN_TRAIN_IMAGES) {
    say('warning', `Training needs at least ${MIN_TRAIN_IMAGES} embedded images (one or more are held out for validation); ${ids.length} are embedded.`);
    return;
  }
  const isCurrent = () => analysisStore.getState().modelKey === modelKey;
  // The job shows at once: checking that the tokens worker still holds every image's tokens takes
  // a moment with many stored files, and Cancel during it ends the run before training starts.
  let cancelledWhileGathering = false;
  analysisStore.setState({
    trainJob: { label: 'Gathering the tokens to train on', done: 0, total: ids.length, startedAt: Date.now(), cancel: () => (cancelledWhileGathering = true) },
  });
  let batches;
  try {
    batches = await tokenBatches(modelKey, ids, session);
  } catch (error) {
    const failure = describeFailure(error, 'gather the tokens to train on');
    sayFailure('error', `Training did not start: ${failure.message}`, failure);
    batches = null;
  }
  if (!batches || cancelledWhileGathering || !isCurrent()) {
    batches?.port.close();
    if (isCurrent()) analysisStore.setState({ trainJob: null });
    if (cancelledWhileGathering) say('info', 'Training cancelled; the previous heatmaps (if any) are kept.');
    return;
  }
  const { tokens } = manifest;
  const data = { images: ids.length, tokensPre: tokens.pre, tokensPost: tokens.post, dPre: tokens.dPre, dPost: tokens.dPost };
  const epochs = uiStore.getState().epochs;
  // Which post token each patch went into (-1 for the perceiver): the token-mixing layer starts
  // from this routing instead of from noise, so a small collection can still train it.
  const tokenSource = tokenRouting(manifest.connector, [manifest.image.grid[0], manifest.image.grid[1]]);
  analysisStore.setState({ training: { ...idleTraining, status: 'running', epochs } });
  const trainingClient = session.training;
  // The bar's words while it counts steps: "Finish now" changes them at once, not at the next report.
  let finishing = false;
  let epochNow: number | null = null;
  const stepLabel = () => {
    const phase = finishing ? 'Finishing after this step' : 'Training reconstructor';
    return epochNow === null ? phase : `${phase}, epoch ${epochNow} of ${epochs}, step`;
  };
  const { id, promise } = trainingClient.request(
    {
      type: 'train',
      ...data,
      keys: batches.keys,
      tokens: batches.port,
      tokenSource,
      epochs,
      seed: 7,
    },
    {
      transfer: [batches.port],
      onProgress: (p) => {
        if (!isCurrent()) return;
        if (p.kind === 'step') {
          // The bar counts optimiser steps, so it moves (and the estimate holds) within an epoch.
          epochNow = p.epoch;
          analysisStore.setState((s) => ({ trainJob: s.trainJob ? { ...s.trainJob, label: stepLabel(), done: p.step, total: p.steps } : null }));
          return;
        }
        if (p.kind === 'evaluate') {
          // Every image's heatmap: a pass of its own (minutes on a large collection), timed from
          // its own start, and past the point where finishing early means anything.
          analysisStore.setState((s) => {
            if (!s.trainJob) return {};
            const { finish: _finish, ...job } = s.trainJob;
            const startedAt = job.label === EVALUATING ? job.startedAt : Date.now();
            return { trainJob: { ...job, label: EVALUATING, done: p.done, total: p.total, startedAt } };
          });
          return;
        }
        analysisStore.setState((s) => ({
          training: { ...s.training, trainLoss: [...s.training.trainLoss, p.trainLoss], valLoss: [...s.training.valLoss, p.valLoss], bestEpoch: p.bestEpoch },
        }));
      },
    },
  );
  analysisStore.setState({
    trainJob: {
      label: stepLabel(),
      done: 0,
      total: epochs,
      startedAt: Date.now(),
      cancel: () => trainingClient.cancel(id, CANCEL_GRACE_MS),
      finish: () => {
        finishing = true;
        trainingClient.finish(id);
        analysisStore.setState((s) => (s.trainJob ? { trainJob: { ...s.trainJob, label: stepLabel() } } : {}));
      },
    },
  });
  try {
    const r = await promise;
    if (!isCurrent()) return;
    analysisStore.setState((s) => ({
      training: { ...s.training, status: 'done', trainLoss: r.trainLoss, valLoss: r.valLoss, bestEpoch: r.bestEpoch > 0 ? r.bestEpoch : null },
      reconstruction: {
        ids,
        tokens: data.tokensPre,
        perPatch: r.perPatch,
        perImage: r.perImage,
        validationIds: new Set(Array.from(r.validation, (i) => ids[i]!)),
        backend: r.backend,
        architecture: r.architecture,
        stoppedEarly: r.stoppedEarly,
        ...(r.finishedAfterStep === null ? {} : { finishedAfterStep: r.finishedAfterStep }),
        constantDims: r.constantDims,
        run: { bestEpoch: r.bestEpoch > 0 ? r.bestEpoch : null, bestValLoss: r.valLoss[r.bestEpoch - 1] ?? null },
        model: { weights: r.weights, standardizers: r.standardizers },
      },
    }));
  } catch (error) {
    if (!isCurrent()) return;
    const failure = describeFailure(error, 'train the reconstructor');
    const cancelled = failure.code === 'cancelled' || failure.code === 'stopped';
    analysisStore.setState((s) => ({ training: { ...s.training, status: cancelled ? 'cancelled' : 'error', error: cancelled ? null : failure.message } }));
    if (cancelled) say('info', 'Training cancelled; the previous heatmaps (if any) are kept.');
    else sayFailure('error', `Training failed: ${failure.message}`, failure);
  } finally {
    if (isCurrent()) analysisStore.setState({ trainJob: null });
    // The training worker keeps nothing between jobs (the trained weights came back with the
    // result), but its tfjs WebAssembly heap stays at its peak, about 1 GB after a LLaVA-size
    // run: the worker goes, and the next job starts a fresh one (a second or less).
    trainingClient.releaseWhenIdle();
  }
  // Images embedded while it trained are not in its result: score them with it.
  if (isCurrent() && analysisStore.getState().training.status === 'done') void scoreAddedImages(session);
}

/** First visit: the heatmaps appear without a click once the bundled set is embedded. */
export async function trainIfNoReconstruction(session: PipelineSession = appSession()): Promise<void> {
  const { reconstruction, trainJob } = analysisStore.getState();
  if (reconstruction || trainJob || embeddedIds().length < MIN_TRAIN_IMAGES) return;
  say(
    'info',
    'Training the reconstructor on these images so the heatmaps can show where the connector loses information (Cancel stops it; Train runs it again).',
  );
  await trainReconstructor(session);
}
