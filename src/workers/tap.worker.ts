/// <reference lib="webworker" />
/**
 * Tap worker: reads a single-file model (encoder with the connector inside, as Hugging Face
 * exports ship vision_encoder.onnx) without its weights and says where its connector boundary is,
 * with every activation to pick from. Off the main thread because a model is hundreds of MB; the
 * tapped model itself runs in the inference worker (ml/stockRunner.ts).
 * Every reply is {type, id, ...}; nothing throws out of onmessage.
 */
import { inspectModel } from '../core/onnx/inspectModel.ts';
import { modelKey, sliceableBytes } from '../core/onnx/tapRecord.ts';
import type { InspectModelRequest, TapReply, TapRequest } from './protocol.ts';
import { readModelWithRoom } from './readModel.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(reply: TapReply): void {
  self.postMessage(reply);
}

async function inspect(req: InspectModelRequest): Promise<void> {
  const { buffer, length, blob } = await readModelWithRoom(req.source);
  const model = buffer.subarray(0, length);
  const key = await modelKey(blob ?? sliceableBytes(model));
  post({ type: 'result', id: req.id, result: { key, inspection: inspectModel(model) } });
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
    post({ type: 'error', id: req.id, error: { message: error instanceof Error ? error.message : String(error), cancelled: false } });
  }
};
