/**
 * Stand-ins the store tests share: the built-in vit-mlp pack's manifest, a blank collection image,
 * a zero embedding of the pack's shapes (tokens included in the worker's item), and the inference worker's replies for embedded images
 * (as src/workers/inference.worker.ts sends them), for scripts of tests/support/scriptedWorker.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PackManifest } from '../../src/core/types.ts';
import type { ImageEmbedding } from '../../src/store/analysisStore.ts';
import type { ImageEntry } from '../../src/store/collectionStore.ts';
import type { ScriptedWorker } from './scriptedWorker.ts';

export const VIT_MLP_MANIFEST = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../models/vit-mlp/manifest.json'), 'utf8')) as PackManifest;

/** A collection image with no pixels behind it (the scripted workers never decode it). */
export function blankImage(id: string, fields: Partial<ImageEntry> = {}): ImageEntry {
  return { id, name: `${id}.png`, blob: new Blob([]), url: '', bytes: 0, width: 1, height: 1, label: null, labelSource: null, contentHash: null, ...fields };
}

/** What the main thread keeps of an embedded image (zero pooled vectors of the pack's widths). */
export function zeroEmbedding(tokens: PackManifest['tokens'] = VIT_MLP_MANIFEST.tokens): ImageEmbedding {
  const { dPre, dPost } = tokens;
  return {
    pooledPre: new Float32Array(dPre),
    pooledPost: new Float32Array(dPost),
    display: new Uint8ClampedArray(4),
  };
}

/** The worker's item for one image embedded by request `requestId`. */
export function replyEmbedded(worker: ScriptedWorker, requestId: number, imageId: string, tokens?: PackManifest['tokens']): void {
  const { pre, post, dPre, dPost } = tokens ?? VIT_MLP_MANIFEST.tokens;
  const matrices = { pre: new Float32Array(pre * dPre), post: new Float32Array(post * dPost) };
  worker.reply({ type: 'item', id: requestId, item: { ok: true, imageId, ...matrices, ...zeroEmbedding(tokens), ms: 1 } });
}

/** Every image of an embed request embedded, then the request's result. */
export function replyAllEmbedded(message: { readonly id: number; readonly [key: string]: unknown }, worker: ScriptedWorker, ep: string): void {
  const images = message.images as { imageId: string }[];
  for (const { imageId } of images) replyEmbedded(worker, message.id, imageId);
  worker.reply({ type: 'result', id: message.id, result: { done: images.length, failed: 0, cancelled: false, ep } });
}
