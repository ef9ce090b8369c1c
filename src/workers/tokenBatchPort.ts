/**
 * The training worker's end of the tokens worker's port (ServeBatchesRequest): a TokenBatchSource
 * whose reads are 'stack-tokens' requests answered there, so training holds a batch at a time
 * rather than the collection. No DOM, no worker globals: Node has MessageChannel, so the tests run
 * the real pair (tests/workers/tokenBatchPort.test.ts).
 */
import { FailureError, UserFacingError } from '../core/errors.ts';
import type { PatchSample } from '../core/patches/samplePatches.ts';
import type { ReconstructionShape, TokenBatchSource } from '../ml/trainReconstructor.ts';
import type { StackTokensRequest, StackTokensResult, TokensReply } from './protocol.ts';

/** Spare batches kept for the tokens worker to fill again (TokenBatchSource.recycle). */
const SPARE_BATCHES = 2;

/**
 * Reads `keys[i]` for image i through `port`. `close` ends the port once the run is over (the
 * tokens worker's end goes with it); a read after it, or one in flight, rejects.
 */
export function portBatches(port: MessagePort, keys: readonly string[], shape: Omit<ReconstructionShape, 'images'>): TokenBatchSource & { close(): void } {
  const waiting = new Map<number, { resolve: (r: StackTokensResult) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  port.onmessage = (event: MessageEvent<TokensReply>) => {
    const reply = event.data;
    const pending = waiting.get(reply.id);
    if (!pending) return;
    waiting.delete(reply.id);
    if (reply.type === 'result') pending.resolve(reply.result as StackTokensResult);
    else if (reply.type === 'error') pending.reject(new FailureError(reply.error));
  };
  // Batches the trainer is done with, largest first: a read sends the smallest that fits back to be filled again.
  const spare: { pre: Float32Array; post: Float32Array }[] = [];
  const takeSpare = (images: number, patches?: PatchSample) => {
    const prePart = images * (patches?.count ?? shape.tokensPre) * shape.dPre * 4;
    const postPart = images * (patches?.count ?? shape.tokensPost) * shape.dPost * 4;
    for (let s = spare.length - 1; s >= 0; s--) {
      if (spare[s]!.pre.buffer.byteLength >= prePart && spare[s]!.post.buffer.byteLength >= postPart) return spare.splice(s, 1)[0];
    }
    return undefined;
  };
  const read = async (images: Int32Array, patches?: PatchSample) => {
    if (closed) throw new Error('the tokens port is closed');
    const id = nextId++;
    const into = takeSpare(images.length, patches);
    const request: StackTokensRequest = {
      type: 'stack-tokens',
      id,
      keys: Array.from(images, (i) => keys[i]!),
      ...(patches ? { patches } : {}),
      ...(into ? { into } : {}),
    };
    const result = await new Promise<StackTokensResult>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      port.postMessage(request, into ? [into.pre.buffer as ArrayBuffer, into.post.buffer as ArrayBuffer] : []);
    });
    if (!result.ok) {
      throw new UserFacingError(
        `The tokens of ${result.missing.length} image${result.missing.length === 1 ? ' are' : 's are'} no longer kept in this browser (the stored files may have been cleared). Embed the images again, then train.`,
      );
    }
    return { pre: result.pre, post: result.post };
  };
  return {
    images: keys.length,
    tokensPre: shape.tokensPre,
    tokensPost: shape.tokensPost,
    dPre: shape.dPre,
    dPost: shape.dPost,
    ...(shape.tokenSource ? { tokenSource: shape.tokenSource } : {}),
    read,
    recycle: (batch) => {
      if (closed || batch.pre.buffer === batch.post.buffer) return;
      spare.push({ pre: batch.pre, post: batch.post });
      spare.sort((a, b) => b.pre.buffer.byteLength + b.post.buffer.byteLength - (a.pre.buffer.byteLength + a.post.buffer.byteLength));
      // One batch is read ahead of the one in use, so two spares cover every read; more would only hold memory.
      spare.length = Math.min(spare.length, SPARE_BATCHES);
    },
    close: () => {
      closed = true;
      port.close();
      for (const pending of waiting.values()) pending.reject(new Error('the tokens port closed before the read was answered'));
      waiting.clear();
    },
  };
}
