/**
 * The main thread's side of the tokens worker (workers/tokens.worker.ts): token matrices go there
 * as they arrive and never stay here (a block store's are not even copied: the worker reads them
 * from the store's files, attachBlockTokens). Training reads them from there a batch at a time
 * through a port (tokenBatches); concepts and the reconstructor applied to added images get them
 * stacked, and the lecture one token at a time.
 */
import { describeFailure } from '../core/errors.ts';
import { tokenKey, type TokenShape } from '../core/tokens/tokenStore.ts';
import type { PackManifest } from '../core/types.ts';
import { analysisStore } from './analysisStore.ts';
import { appSession, type PipelineSession } from './session.ts';
import { isSessionWriter } from './sessionTabs.ts';
import { say, sayFailure } from './uiStore.ts';

export const shapeOf = (tokens: PackManifest['tokens']): TokenShape => ({
  tokensPre: tokens.pre,
  dPre: tokens.dPre,
  tokensPost: tokens.post,
  dPost: tokens.dPost,
});

/** Said once a page: a reload would have to embed again. */
let warnedNotStored = false;

/**
 * Hand an image's matrices to the tokens worker (transferred: this thread keeps nothing).
 * `persist`: store them in a file too (only the tab that writes the session does).
 */
export function keepTokens(
  modelKey: string,
  imageId: string,
  shape: TokenShape,
  pre: Float32Array,
  post: Float32Array,
  persist: boolean,
  session: PipelineSession = appSession(),
): Promise<void> {
  const { promise } = session.tokens.request(
    { type: 'put-tokens', key: tokenKey(modelKey, imageId), ...shape, pre, post, persist: persist && isSessionWriter() },
    { transfer: [pre.buffer, post.buffer] },
  );
  return promise.then(
    (outcome) => {
      if (outcome.notStoredReason === null || warnedNotStored) return;
      warnedNotStored = true;
      say('warning', "Some images' tokens could not be stored in this browser, so after a reload they are embedded again. Results are not affected.", {
        details: outcome.notStoredReason,
      });
    },
    (error: unknown) => {
      const failure = describeFailure(error, 'keep the tokens');
      sayFailure('warning', `The tokens of an image could not be kept: ${failure.message} Training will ask to embed it again.`, failure);
    },
  );
}

/**
 * A block store's images: the tokens worker reads their tokens from the store's own files when
 * they are needed (workers/blockTokenSource.ts), so neither thread copies the store.
 */
export function attachBlockTokens(
  modelKey: string,
  shape: TokenShape,
  blocks: readonly { readonly imageId: string; readonly pre: File; readonly post: File }[],
  session: PipelineSession = appSession(),
): Promise<true> {
  const request = {
    type: 'attach-block-tokens',
    shape,
    blocks: blocks.map((b) => ({ key: tokenKey(modelKey, b.imageId), pre: b.pre, post: b.post })),
  } as const;
  return session.tokens.request(request).promise;
}

/** These images' tokens are gone (the tokens worker was reset, the stored files were cleared): mark them not embedded, so the next embedding job brings them back, and say so. */
function markLost(modelKey: string, lost: readonly string[]): void {
  if (analysisStore.getState().modelKey === modelKey)
    analysisStore.setState((s) => ({ embeddings: Object.fromEntries(Object.entries(s.embeddings).filter(([id]) => !lost.includes(id))) }));
  say(
    'warning',
    `The tokens of ${lost.length} image${lost.length === 1 ? ' were' : 's were'} not kept in this browser any more, so ${lost.length === 1 ? 'it is' : 'they are'} marked for embedding again. Embed them, then try again.`,
  );
}

/**
 * The token matrices of these embedded images stacked in their order, with their shape (for the
 * training worker's jobs on a few images: concepts, the reconstructor applied to added images).
 * Null when some are not held any more: those are marked lost (markLost).
 */
export async function stackedTokens(modelKey: string, ids: readonly string[], tokens: PackManifest['tokens'], session: PipelineSession = appSession()) {
  const keys = ids.map((id) => tokenKey(modelKey, id));
  const result = await session.tokens.request({ type: 'stack-tokens', keys }).promise;
  if (!result.ok) {
    const missing = new Set(result.missing);
    markLost(
      modelKey,
      ids.filter((id) => missing.has(tokenKey(modelKey, id))),
    );
    return null;
  }
  return {
    pre: result.pre,
    post: result.post,
    images: ids.length,
    tokensPre: tokens.pre,
    tokensPost: tokens.post,
    dPre: tokens.dPre,
    dPost: tokens.dPost,
  };
}

/**
 * What a training run reads its tokens through: the images' keys, and a port on which the tokens
 * worker answers their batches (transfer it to the training worker). Null when some images'
 * tokens are not held any more: those are marked lost (markLost) and nothing is opened.
 */
export async function tokenBatches(modelKey: string, ids: readonly string[], session: PipelineSession = appSession()) {
  const held = await heldTokens(modelKey, ids, session);
  const lost = ids.filter((_, i) => !held[i]);
  if (lost.length > 0) {
    markLost(modelKey, lost);
    return null;
  }
  const channel = new MessageChannel();
  await session.tokens.request({ type: 'serve-batches', port: channel.port1 }, { transfer: [channel.port1] }).promise;
  return { keys: ids.map((id) => tokenKey(modelKey, id)), port: channel.port2 };
}

/** Which of these images have their tokens held or stored for this model. */
export async function heldTokens(modelKey: string, ids: readonly string[], session: PipelineSession = appSession()): Promise<readonly boolean[]> {
  return session.tokens.request({ type: 'has-tokens', keys: ids.map((id) => tokenKey(modelKey, id)) }).promise;
}

/** One token of one image as float32 (its float16 value), or null when it is not held. */
export function tokenRow(
  modelKey: string,
  imageId: string,
  space: 'pre' | 'post',
  index: number,
  session: PipelineSession = appSession(),
): Promise<Float32Array | null> {
  return session.tokens.request({ type: 'token-row', key: tokenKey(modelKey, imageId), space, index }).promise;
}

/** One image's two matrices as float32 (their float16 values), or null when not held: for the browser tests (store/debugStores.ts). */
export async function imageTokens(
  modelKey: string,
  imageId: string,
  session: PipelineSession = appSession(),
): Promise<{ pre: Float32Array; post: Float32Array } | null> {
  const result = await session.tokens.request({ type: 'stack-tokens', keys: [tokenKey(modelKey, imageId)] }).promise;
  return result.ok ? { pre: result.pre, post: result.post } : null;
}

/** Forget these images' tokens under every model (memory and files). */
export function forgetTokens(imageIds: readonly string[], session: PipelineSession = appSession()): Promise<number> {
  return session.tokens.request({ type: 'remove-tokens', prefixes: imageIds.map((id) => tokenKey('', id)) }).promise;
}

/** Forget every token (the stored session was cleared). */
export function forgetAllTokens(session: PipelineSession = appSession()): Promise<number> {
  return session.tokens.request({ type: 'remove-tokens', prefixes: 'all' }).promise;
}
