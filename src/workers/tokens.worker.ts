/// <reference lib="webworker" />
/**
 * Tokens worker: holds every embedded image's token matrices (core/tokens/tokenStore.ts) so the
 * main thread never does, and stores them in OPFS so a reload does not embed again. It only moves
 * and converts data (no long computation), so it is never stopped for a cancel and keeps what it
 * holds while other workers restart. Thin: requests are answered in workers/tokenRequests.ts.
 */
import { TokenStore } from '../core/tokens/tokenStore.ts';
import { opfsTokenFiles } from './opfsTokenFiles.ts';
import { tokensService } from './tokenRequests.ts';
import type { TokensRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const answer = tokensService(
  opfsTokenFiles().then((files) => new TokenStore(files)),
  (reply, transfer) => self.postMessage(reply, transfer),
);

self.onmessage = (event: MessageEvent<TokensRequest>) => answer(event.data);
