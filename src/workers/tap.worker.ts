/// <reference lib="webworker" />
/**
 * Tap worker: reads a single-file model (encoder with the connector inside, as Hugging Face
 * exports ship vision_encoder.onnx) without its weights and says where its connector boundary is,
 * with every activation to pick from. Off the main thread because a model is hundreds of MB; the
 * tapped model itself runs in the inference worker (ml/stockRunner.ts).
 * Every reply is {type, id, ...}; nothing throws out of onmessage.
 */
import { inspectModel } from '../core/onnx/inspectModel.ts';
import { describeFailure } from '../core/errors.ts';
import { readWithRoom } from '../core/onnx/readWithRoom.ts';
import { modelKey, sliceableBytes } from '../core/onnx/tapRecord.ts';
import type { InspectModelRequest, TapReply, TapRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(reply: TapReply): void {
  self.postMessage(reply);
}

async function inspect(req: InspectModelRequest): Promise<void> {
  // No content hash here: inspection reads the graph, and the tap record needs only modelKey's light key.
  const source = req.source;
  const { buffer, length } =
    source.kind === 'file'
      ? await readWithRoom(source.file)
      : source.kind === 'bytes'
        ? { buffer: source.bytes, length: source.bytes.length }
        : await readWithRoom(await fetchBlob(source.url));
  const model = buffer.subarray(0, length);
  const key = await modelKey(source.kind === 'file' ? source.file : sliceableBytes(model));
  post({ type: 'result', id: req.id, result: { key, inspection: inspectModel(model) } });
}

async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not read ${url} (HTTP ${response.status})`);
  return response.blob();
}

self.onmessage = async (event: MessageEvent<TapRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        return;
      case 'inspect-model':
        return await inspect(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, 'read the model graph') });
  }
};
