/// <reference lib="webworker" />
/**
 * Inference worker: owns the ONNX sessions of the current pack, turns image files into
 * pre/post-projection tokens, and computes neighbour sets. Thin: the math is in core/, the
 * runtime in ml/. Every reply is {type, id, ...}; nothing throws out of onmessage.
 */
import { firstNonFinite, meanPool } from '../core/knn/pool.ts';
import { kNearest } from '../core/knn/nearest.ts';
import { knor } from '../core/knn/knor.ts';
import { readGraphSummary } from '../core/onnx/graphSummary.ts';
import { describeStock } from '../core/stock/stockModel.ts';
import { packAnalysisRunner, type AnalysisRunner } from '../ml/analysisRunner.ts';
import { openPack } from '../ml/packRunner.ts';
import { openStock } from '../ml/stockRunner.ts';
import { destroyWebGpuDevice, DeviceLostError, webGpuDeviceWasLost, type ExternalDataFile } from '../ml/ort.ts';
import { decodeImage } from './decodeImage.ts';
import { readExternalData, readModelWithRoom } from './readModel.ts';
import type { EmbedRequest, EmbeddedImage, InferenceReply, InferenceRequest, KnnRequest, LoadPackRequest, LoadStockRequest, ModelSource } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let runner: AnalysisRunner | null = null;
const cancelled = new Set<number>();

function post(reply: InferenceReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

interface ReadModel {
  readonly bytes: Uint8Array;
  readonly externalData: readonly ExternalDataFile[];
}

async function readSource(source: ModelSource, what: string): Promise<ReadModel> {
  if (source.kind === 'bytes') return { bytes: source.bytes, externalData: [] };
  if (source.kind === 'file') {
    // Read here, not on the main thread: a model can be hundreds of MB.
    const bytes = new Uint8Array(await source.file.arrayBuffer());
    return { bytes, externalData: await readExternalData(source, bytes) };
  }
  const response = await fetch(source.url);
  if (!response.ok) throw new Error(`${what}: could not read ${source.url} (HTTP ${response.status})`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), externalData: [] };
}

async function loadPack(req: LoadPackRequest): Promise<void> {
  const started = performance.now();
  const [encoder, connector] = await Promise.all([readSource(req.encoder, 'encoder'), readSource(req.connector, 'connector')]);
  // Open the new pack before closing the old one: a pack that fails to open loses nothing.
  const next = packAnalysisRunner(await openPack(req.manifest, encoder.bytes, connector.bytes, req.preferred, { encoder: encoder.externalData, connector: connector.externalData }));
  await replaceRunner(next);
  post({ type: 'result', id: req.id, result: { ep: next.ep, fallbackReason: next.fallbackReason, loadMs: performance.now() - started } });
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
  const { buffer, length } = await readModelWithRoom(req.source);
  const model = buffer.subarray(0, length);
  const summary = readGraphSummary(model);
  const externalData = await readExternalData(req.source, model);
  const encoderFile = req.source.kind === 'file' ? req.source.name : req.name;
  const next = await openStock(buffer, length, summary, req.tap, description, { id: req.packId, name: req.name, encoderFile, origin: req.origin }, req.preferred, externalData);
  await replaceRunner(next);
  post({ type: 'result', id: req.id, result: { ep: next.ep, fallbackReason: next.fallbackReason, loadMs: performance.now() - started, manifest: next.manifest, added: next.added, notes: next.notes } });
}

async function embedOne(r: AnalysisRunner, imageId: string, blob: Blob): Promise<EmbeddedImage> {
  const started = performance.now();
  const { manifest } = r;
  const decoded = await decodeImage(blob, (blob as File).name ?? imageId);
  const { pre, post: postTokens, display } = await r.embedImage(decoded);
  if (firstNonFinite(pre) >= 0) throw new Error('the encoder produced NaN or Inf for this image; it is left out of the analysis');
  if (firstNonFinite(postTokens) >= 0) throw new Error('the connector produced NaN or Inf for this image; it is left out of the analysis');
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
  if (!r) throw new Error('no model pack is loaded yet; pick a pack and try again');
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
      item = { ok: false, imageId, message: error instanceof Error ? error.message : String(error) };
    }
    done++;
    post({ type: 'item', id: req.id, item }, item.ok ? [item.pre.buffer, item.post.buffer, item.pooledPre.buffer, item.pooledPost.buffer, item.display.buffer] : []);
    post({ type: 'progress', id: req.id, progress: { done, total: req.images.length } });
  }
  const wasCancelled = cancelled.delete(req.id);
  post({ type: 'result', id: req.id, result: { done, failed, cancelled: wasCancelled, ep: r.ep } });
}

function knn(req: KnnRequest): void {
  const nnPre = kNearest(req.pre, req.n, req.dPre, req.k, req.metric, req.includeSelf);
  const nnPost = kNearest(req.post, req.n, req.dPost, req.k, req.metric, req.includeSelf);
  const { perImage, mean } = knor(nnPre, nnPost, req.n, req.k);
  post({ type: 'result', id: req.id, result: { nnPre, nnPost, perImage, mean } }, [nnPre.buffer, nnPost.buffer, perImage.buffer]);
}

// After a device loss ORT's internal GPU reads reject with nobody awaiting them; the job already
// failed over (DeviceLostError) and this worker is about to be replaced, so they are not news.
self.addEventListener('unhandledrejection', (event) => {
  if (webGpuDeviceWasLost()) event.preventDefault();
});

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
      case 'knn':
        return knn(req);
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
    post({ type: 'error', id: req.id, error: { message: error instanceof Error ? error.message : String(error), cancelled: false } });
  }
};
