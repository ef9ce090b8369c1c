/**
 * The tokens worker's requests answered over a TokenStore: the worker's `onmessage` (tokens.worker.ts)
 * and the store tests' scripted stand-in (tests/support/tokensScript.ts) both go through here, so
 * the tests exercise the real handling. No DOM, no worker globals (a MessagePort is in Node too).
 */
import { describeFailure } from '../core/errors.ts';
import { MissingTokensError, type TokenStore } from '../core/tokens/tokenStore.ts';
import { blockTokenSource } from './blockTokenSource.ts';
import type { ServeBatchesRequest, StackTokensRequest, TokensReply, TokensRequest } from './protocol.ts';

type AnsweredRequest = Exclude<TokensRequest, ServeBatchesRequest>;

const WHAT: Record<Exclude<AnsweredRequest['type'], 'cancel'>, string> = {
  'put-tokens': 'keep the tokens',
  'attach-block-tokens': "keep the block store's files",
  'has-tokens': 'look up the stored tokens',
  'stack-tokens': 'gather the tokens',
  'token-row': 'read a token',
  'remove-tokens': 'remove stored tokens',
};

/** The reply to one request and what to transfer with it; null for cancel (nothing here runs long enough to cancel). */
export async function answerTokensRequest(store: TokenStore, req: AnsweredRequest): Promise<{ reply: TokensReply; transfer: Transferable[] } | null> {
  if (req.type === 'cancel') return null;
  try {
    switch (req.type) {
      case 'put-tokens': {
        const { key, pre, post, persist, tokensPre, dPre, tokensPost, dPost } = req;
        const outcome = await store.put(key, { tokensPre, dPre, tokensPost, dPost }, pre, post, persist);
        return { reply: { type: 'result', id: req.id, result: outcome }, transfer: [] };
      }
      case 'attach-block-tokens':
        store.attach(req.blocks.map((b) => ({ key: b.key, source: blockTokenSource(b.pre, b.post, req.shape) })));
        return { reply: { type: 'result', id: req.id, result: true }, transfer: [] };
      case 'has-tokens':
        return { reply: { type: 'result', id: req.id, result: await store.has(req.keys) }, transfer: [] };
      case 'stack-tokens':
        try {
          const { pre, post, shape } = await store.stack(req.keys, req.patches, req.into);
          return { reply: { type: 'result', id: req.id, result: { ok: true, pre, post, shape } }, transfer: [pre.buffer, post.buffer] };
        } catch (error) {
          if (!(error instanceof MissingTokensError)) throw error;
          return { reply: { type: 'result', id: req.id, result: { ok: false, missing: error.missing } }, transfer: [] };
        }
      case 'token-row': {
        const row = await store.row(req.key, req.space, req.index);
        return { reply: { type: 'result', id: req.id, result: row }, transfer: row ? [row.buffer] : [] };
      }
      case 'remove-tokens':
        if (req.prefixes === 'all') {
          await store.clear();
          return { reply: { type: 'result', id: req.id, result: 0 }, transfer: [] };
        }
        return { reply: { type: 'result', id: req.id, result: await store.removeByPrefix(req.prefixes) }, transfer: [] };
    }
  } catch (error) {
    return { reply: { type: 'error', id: req.id, error: describeFailure(error, WHAT[req.type]) }, transfer: [] };
  }
}

export type SendReply = (reply: TokensReply, transfer: Transferable[]) => void;

/**
 * The tokens worker's message handler: requests are answered one at a time, in order (a stack
 * asked for after a put sees that put's tokens), and those arriving on a port opened by
 * 'serve-batches' (a training worker's batches) join the same queue and are answered on that port.
 */
export function tokensService(store: TokenStore | Promise<TokenStore>, send: SendReply): (req: TokensRequest) => void {
  let queue: Promise<unknown> = Promise.resolve();
  const answerInTurn = (req: AnsweredRequest, reply: SendReply) => {
    queue = queue.then(async () => {
      const answer = await answerTokensRequest(await store, req);
      if (answer) reply(answer.reply, answer.transfer);
    });
  };
  return (req) => {
    if (req.type !== 'serve-batches') return answerInTurn(req, send);
    const { port } = req;
    port.onmessage = (event: MessageEvent<StackTokensRequest>) => answerInTurn(event.data, (reply, transfer) => port.postMessage(reply, transfer));
    send({ type: 'result', id: req.id, result: true }, []);
  };
}
