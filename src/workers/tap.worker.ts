/// <reference lib="webworker" />
/**
 * Tap worker: reads a single-file model (encoder with the connector inside, as Hugging Face
 * exports ship vision_encoder.onnx), says where its connector boundary is, opens it tapped and
 * turns images into pre/post-projection tokens. Thin: graph work in core/onnx, runtime in ml/.
 * Every reply is {type, id, ...}; nothing throws out of onmessage.
 */
import { firstNonFinite } from '../core/knn/pool.ts';
import { preprocess } from '../core/image/preprocess.ts';
import { readGraphSummary } from '../core/onnx/graphSummary.ts';
import { inspectModel } from '../core/onnx/inspectModel.ts';
import { modelKey, sliceableBytes } from '../core/onnx/tapRecord.ts';
import { openTapped, type TappedRunner } from '../ml/tappedModel.ts';
import { decodeImage } from './decodeImage.ts';
import { readExternalData, readModelWithRoom } from './readModel.ts';
import type { EmbedTappedRequest, InspectModelRequest, OpenTappedRequest, TappedImage, TapReply, TapRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let runner: TappedRunner | null = null;
const cancelled = new Set<number>();

function post(reply: TapReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function inspect(req: InspectModelRequest): Promise<void> {
  const { buffer, length, blob } = await readModelWithRoom(req.source);
  const model = buffer.subarray(0, length);
  const key = await modelKey(blob ?? sliceableBytes(model));
  post({ type: 'result', id: req.id, result: { key, inspection: inspectModel(model) } });
}

async function open(req: OpenTappedRequest): Promise<void> {
  const started = performance.now();
  const { buffer, length } = await readModelWithRoom(req.source);
  const model = buffer.subarray(0, length);
  const summary = readGraphSummary(model);
  const externalData = await readExternalData(req.source, model, [...summary.initializers.values()].some((t) => t.external));
  // Open the new model before closing the old one: a model that fails to open loses nothing.
  const next = await openTapped(buffer, length, summary, { pre: req.pre, post: req.post }, req.preferred, externalData);
  const previous = runner;
  runner = next;
  await previous?.dispose();
  post({ type: 'result', id: req.id, result: { ep: next.ep, fallbackReason: next.fallbackReason, loadMs: performance.now() - started, added: next.added } });
}

async function embedOne(r: TappedRunner, req: EmbedTappedRequest, imageId: string, blob: Blob): Promise<TappedImage> {
  const started = performance.now();
  const decoded = await decodeImage(blob, (blob as File).name ?? imageId);
  const { pixels } = preprocess(decoded.rgba, decoded.width, decoded.height, req.preprocess, req.size);
  const { pre, post: postTokens } = await r.run({ [r.inputs[0]!]: { data: pixels, dims: [1, 3, req.size, req.size] } });
  if (firstNonFinite(pre.data) >= 0) throw new Error('the encoder produced NaN or Inf for this image; it is left out of the analysis');
  if (firstNonFinite(postTokens.data) >= 0) throw new Error('the connector produced NaN or Inf for this image; it is left out of the analysis');
  return { ok: true, imageId, pre: pre.data, preDims: pre.dims, post: postTokens.data, postDims: postTokens.dims, ms: performance.now() - started };
}

async function embed(req: EmbedTappedRequest): Promise<void> {
  const r = runner;
  if (!r) throw new Error('no tapped model is open yet; open one and try again');
  let done = 0;
  let failed = 0;
  for (const { imageId, blob } of req.images) {
    if (cancelled.has(req.id)) break;
    let item: TappedImage;
    try {
      item = await embedOne(r, req, imageId, blob);
    } catch (error) {
      failed++;
      item = { ok: false, imageId, message: error instanceof Error ? error.message : String(error) };
    }
    done++;
    post({ type: 'item', id: req.id, item }, item.ok ? [item.pre.buffer, item.post.buffer] : []);
    post({ type: 'progress', id: req.id, progress: { done, total: req.images.length } });
  }
  post({ type: 'result', id: req.id, result: { done, failed, cancelled: cancelled.delete(req.id) } });
}

self.onmessage = async (event: MessageEvent<TapRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'inspect-model':
        return await inspect(req);
      case 'open-tapped':
        return await open(req);
      case 'embed-tapped':
        return await embed(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: { message: error instanceof Error ? error.message : String(error), cancelled: false } });
  }
};
