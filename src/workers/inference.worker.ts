/// <reference lib="webworker" />
/**
 * Inference worker: owns the ONNX sessions of the current model, turns image files into
 * pre/post-projection tokens, and computes neighbour sets. Thin: the math is in core/, the
 * runtime in ml/. Every file is hashed as it is read, so a load answers with the model's content
 * key (core/identity). Every reply is {type, id, ...}; nothing throws out of onmessage, and every
 * failure is posted as a Failure (a code, a message for people, raw details).
 */
import './ortWasmAsset.ts';
import { describeFailure, UserFacingError } from '../core/errors.ts';
import { packModelKey, stockModelKey } from '../core/identity/modelIdentity.ts';
import { firstNonFinite, meanPool } from '../core/knn/pool.ts';
import { readGraphSummary } from '../core/onnx/graphSummary.ts';
import { TAP_ROOM } from '../core/onnx/tap.ts';
import { describeStock } from '../core/stock/stockModel.ts';
import { packAnalysisRunner, type AnalysisRunner } from '../ml/analysisRunner.ts';
import { openPack } from '../ml/packRunner.ts';
import { openStock } from '../ml/stockRunner.ts';
import { destroyWebGpuDevice, DeviceLostError, wasmThreadsInUse, webGpuDeviceWasLost } from '../ml/ort.ts';
import { decodeImage } from './decodeImage.ts';
import { readExternalData, readModelSource } from './readModel.ts';
import type { EmbedRequest, EmbeddedImage, InferenceReply, InferenceRequest, LoadPackRequest, LoadStockRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let runner: AnalysisRunner | null = null;
const cancelled = new Set<number>();

function post(reply: InferenceReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function loadPack(req: LoadPackRequest): Promise<void> {
  const started = performance.now();
  const { files } = req.manifest;
  const [encoder, connector] = await Promise.all([readModelSource(req.encoder, files.encoder), readModelSource(req.connector, files.connector)]);
  const encoderBytes = encoder.buffer.subarray(0, encoder.length);
  const connectorBytes = connector.buffer.subarray(0, connector.length);
  const [encoderWeights, connectorWeights] = await Promise.all([readExternalData(req.encoder, encoderBytes), readExternalData(req.connector, connectorBytes)]);
  const modelKey = await packModelKey(req.manifest, {
    encoder: encoder.digest,
    connector: connector.digest,
    encoderWeights: encoderWeights.digests,
    connectorWeights: connectorWeights.digests,
  });
  // Open the new pack before closing the old one: a pack that fails to open loses nothing.
  const next = packAnalysisRunner(
    await openPack(req.manifest, encoderBytes, connectorBytes, req.preferred, { encoder: encoderWeights.files, connector: connectorWeights.files }),
  );
  await replaceRunner(next);
  post({
    type: 'result',
    id: req.id,
    result: { modelKey, ep: next.ep, fallbackReason: next.fallbackReason, wasmThreads: threadsOf(next), loadMs: performance.now() - started },
  });
}

function threadsOf(opened: AnalysisRunner): number | null {
  return opened.ep === 'wasm' ? (wasmThreadsInUse() ?? 1) : null;
}

async function replaceRunner(next: AnalysisRunner): Promise<void> {
  const previous = runner;
  runner = next;
  await previous?.dispose();
}

async function loadStock(req: LoadStockRequest): Promise<void> {
  const started = performance.now();
  // Config first: a wrong preprocessor_config.json is refused before hundreds of MB are read.
  const description = describeStock(req.config, req.preprocessorConfig);
  const encoderFile = req.source.kind === 'file' ? req.source.name : req.name;
  const read = await readModelSource(req.source, encoderFile, TAP_ROOM);
  const model = read.buffer.subarray(0, read.length);
  const summary = readGraphSummary(model);
  const weights = await readExternalData(req.source, model);
  const modelKey = await stockModelKey({
    encoder: read.digest,
    weights: weights.digests,
    tap: req.tap,
    config: req.config,
    preprocessorConfig: req.preprocessorConfig,
  });
  const next = await openStock(
    read.buffer,
    read.length,
    summary,
    req.tap,
    description,
    { id: req.packId, name: req.name, encoderFile, origin: req.origin },
    req.preferred,
    weights.files,
  );
  await replaceRunner(next);
  post({
    type: 'result',
    id: req.id,
    result: {
      modelKey,
      ep: next.ep,
      fallbackReason: next.fallbackReason,
      wasmThreads: threadsOf(next),
      loadMs: performance.now() - started,
      manifest: next.manifest,
      added: next.added,
      notes: next.notes,
    },
  });
}

async function embedOne(r: AnalysisRunner, imageId: string, blob: Blob): Promise<EmbeddedImage> {
  const started = performance.now();
  const { manifest } = r;
  const decoded = await decodeImage(blob, (blob as File).name ?? imageId);
  const { pre, post: postTokens, display } = await r.embedImage(decoded);
  if (firstNonFinite(pre) >= 0) throw new UserFacingError('the encoder produced NaN or Inf for this image; it is left out of the analysis');
  if (firstNonFinite(postTokens) >= 0) throw new UserFacingError('the connector produced NaN or Inf for this image; it is left out of the analysis');
  return {
    ok: true,
    imageId,
    pre,
    post: postTokens,
    pooledPre: meanPool(pre, 1, manifest.tokens.pre, manifest.tokens.dPre),
    pooledPost: meanPool(postTokens, 1, manifest.tokens.post, manifest.tokens.dPost),
    display,
    ms: performance.now() - started,
  };
}

async function embed(req: EmbedRequest): Promise<void> {
  const r = runner;
  if (!r) throw new UserFacingError('No model is open yet; pick a pack and try again.');
  let done = 0;
  let failed = 0;
  for (const { imageId, blob } of req.images) {
    if (cancelled.has(req.id)) break;
    let item: EmbeddedImage;
    try {
      item = await embedOne(r, imageId, blob);
    } catch (error) {
      // Not this image's fault, and every later run would hang: end the job, the app recovers.
      if (error instanceof DeviceLostError) throw error;
      failed++;
      item = { ok: false, imageId, failure: describeFailure(error, `embed ${(blob as File).name ?? 'this image'}`) };
    }
    done++;
    post(
      { type: 'item', id: req.id, item },
      item.ok ? [item.pre.buffer, item.post.buffer, item.pooledPre.buffer, item.pooledPost.buffer, item.display.buffer] : [],
    );
    post({ type: 'progress', id: req.id, progress: { done, total: req.images.length } });
  }
  const wasCancelled = cancelled.delete(req.id);
  post({ type: 'result', id: req.id, result: { done, failed, cancelled: wasCancelled, ep: r.ep } });
}

// After a device loss ORT's internal GPU reads reject with nobody awaiting them; the job already
// failed over (DeviceLostError) and this worker is about to be replaced, so they are not news.
self.addEventListener('unhandledrejection', (event) => {
  if (webGpuDeviceWasLost()) event.preventDefault();
});

const DOING: Readonly<Record<InferenceRequest['type'], string>> = {
  'load-pack': 'open the model',
  'load-stock': 'open the model',
  embed: 'embed the images',
  cancel: 'cancel',
  'debug-lose-webgpu': 'lose the WebGPU device',
  'debug-crash': 'crash',
};

self.onmessage = async (event: MessageEvent<InferenceRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'load-pack':
        return await loadPack(req);
      case 'load-stock':
        return await loadStock(req);
      case 'embed':
        return await embed(req);
      case 'debug-lose-webgpu':
        return post({ type: 'result', id: req.id, result: runner?.ep === 'webgpu' ? await destroyWebGpuDevice() : false });
      case 'debug-crash':
        // An uncaught error outside any handler, as a runtime abort would be.
        setTimeout(() => {
          throw new Error('crash requested by the browser test');
        });
        return;
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, DOING[req.type]) });
  }
};
