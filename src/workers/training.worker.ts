/// <reference lib="webworker" />
/**
 * Training worker: trains the reconstructor P -> V on tokens read a batch at a time from the tokens
 * worker (workers/tokenBatchPort.ts), applies a kept one to images added later, and trains the two
 * sparse autoencoders of the concept analysis, with TensorFlow.js off the main thread, streaming
 * progress: each epoch's losses, and optimiser steps at most every 200 ms. Cancel aborts between
 * batches.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { describeFailure } from '../core/errors.ts';
import { reconstructorLabel } from '../core/patches/reconstructorLabel.ts';
import { selectTfBackend, tfThreads, serveTfWasmFrom } from '../ml/tfBackend.ts';
import { threadsLabel } from '../core/threads/computeThreads.ts';
import { trainReconstructor } from '../ml/trainReconstructor.ts';
import { analyseConcepts } from '../ml/conceptAnalysis.ts';
import { applyReconstructor } from '../ml/applyReconstructor.ts';
import { portBatches } from './tokenBatchPort.ts';
import type { ApplyReconstructorRequest, ConceptsRequest, TrainingReply, TrainingRequest, TrainRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

// The binaries ship with the app (Vite assets): no CDN, works offline.
serveTfWasmFrom({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });

const controllers = new Map<number, AbortController>();
/** "Finish now" for each training run under way. */
const finishers = new Map<number, AbortController>();

function post(reply: TrainingReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

/**
 * Whether a progress report of `done` out of `total` goes out: the first and the last always,
 * others at most every 200 ms. Enough for a live bar and estimate on a slow LLaVA-size step,
 * without a message per step on a fast small one. One gate per bar.
 */
function progressGate(): (done: number, total: number) => boolean {
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < 200) return false;
    last = now;
    return true;
  };
}

async function train(req: TrainRequest): Promise<void> {
  const controller = new AbortController();
  const finisher = new AbortController();
  const stepGate = progressGate();
  const evaluateGate = progressGate();
  controllers.set(req.id, controller);
  finishers.set(req.id, finisher);
  // The tokens come a batch at a time from the tokens worker: this worker never holds them all.
  const tokens = portBatches(req.tokens, req.keys, req);
  try {
    const chosen = await selectTfBackend();
    const threads = await tfThreads();
    // What the panel states: the backend, and for WASM how many threads it computes on.
    const backend = chosen === 'wasm' ? `wasm, ${threadsLabel(threads)}` : chosen;
    const result = await trainReconstructor(
      tokens,
      { epochs: req.epochs, seed: req.seed },
      {
        signal: controller.signal,
        finish: finisher.signal,
        onEpoch: (p) =>
          post({
            type: 'progress',
            id: req.id,
            progress: { kind: 'epoch', epoch: p.epoch, epochs: p.epochs, trainLoss: p.trainLoss, valLoss: p.valLoss, bestEpoch: p.bestEpoch },
          }),
        onStep: (p) => {
          if (stepGate(p.step, p.steps)) post({ type: 'progress', id: req.id, progress: { kind: 'step', step: p.step, steps: p.steps, epoch: p.epoch } });
        },
        // The heatmap pass: on a large collection it is minutes of its own, so it has its own bar.
        onEvaluate: (p) => {
          if (evaluateGate(p.done, p.total)) post({ type: 'progress', id: req.id, progress: { kind: 'evaluate', done: p.done, total: p.total } });
        },
      },
    );
    const { perPatch, perImage } = result.patchLoss;
    post(
      {
        type: 'result',
        id: req.id,
        result: {
          perPatch,
          perImage,
          trainLoss: result.history.trainLoss,
          valLoss: result.history.valLoss,
          bestEpoch: result.bestEpoch,
          stoppedEarly: result.stoppedEarly,
          finishedAfterStep: result.finishedAfterStep,
          backend,
          architecture: reconstructorLabel(result.architecture, { perStep: result.patchesPerStep, patches: result.patchLoss.tokens }),
          validation: result.split.validation,
          constantDims: result.constantDims,
          weights: result.weights,
          standardizers: result.standardizers,
        },
      },
      [perPatch.buffer, perImage.buffer, ...result.weights.map((w) => w.values.buffer)],
    );
  } finally {
    tokens.close();
    controllers.delete(req.id);
    finishers.delete(req.id);
  }
}

async function concepts(req: ConceptsRequest): Promise<void> {
  const controller = new AbortController();
  const gate = progressGate();
  controllers.set(req.id, controller);
  try {
    // Imported autoencoders are only applied: no tfjs.
    if (!req.trained) await selectTfBackend();
    const result = await analyseConcepts(req, req.settings, {
      signal: controller.signal,
      ...(req.trained ? { trained: req.trained } : {}),
      onStep: (done, total) => {
        if (gate(done, total)) post({ type: 'progress', id: req.id, progress: { done, total } });
      },
    });
    post({ type: 'result', id: req.id, result });
  } finally {
    controllers.delete(req.id);
  }
}

async function apply(req: ApplyReconstructorRequest): Promise<void> {
  const controller = new AbortController();
  controllers.set(req.id, controller);
  try {
    await selectTfBackend();
    const { perPatch, perImage } = await applyReconstructor(req, req.kept, controller.signal);
    post({ type: 'result', id: req.id, result: { perPatch, perImage } }, [perPatch.buffer, perImage.buffer]);
  } finally {
    controllers.delete(req.id);
  }
}

const WHAT: Record<Exclude<TrainingRequest['type'], 'cancel' | 'finish'>, string> = {
  train: 'train the reconstructor',
  concepts: 'find the concepts',
  'apply-reconstructor': 'apply the reconstructor to the added images',
};

self.onmessage = async (event: MessageEvent<TrainingRequest>) => {
  const req = event.data;
  try {
    if (req.type === 'cancel') {
      controllers.get(req.target)?.abort();
      return;
    }
    if (req.type === 'finish') {
      finishers.get(req.target)?.abort();
      return;
    }
    if (req.type === 'concepts') await concepts(req);
    else if (req.type === 'apply-reconstructor') await apply(req);
    else await train(req);
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, req.type === 'cancel' || req.type === 'finish' ? req.type : WHAT[req.type]) });
  }
};
