/**
 * The tokens worker for store tests: the real request handling (src/workers/tokenRequests.ts)
 * over a real TokenStore, in memory or over a Map of files, answering as the worker would. Each
 * scripted 'tokens' worker gets its own store, so a test that makes a fresh worker starts empty.
 */
import { TokenStore, type TokenFiles } from '../../src/core/tokens/tokenStore.ts';
import type { TokensRequest } from '../../src/workers/protocol.ts';
import { tokensService } from '../../src/workers/tokenRequests.ts';
import type { Message, Script, ScriptedWorker } from './scriptedWorker.ts';

/** Token files in a Map (what OPFS holds in the browser); `room` bytes left, null: the browser does not say. */
export function mapTokenFiles(files = new Map<string, Uint8Array>(), room: number | null = null): TokenFiles & { readonly files: Map<string, Uint8Array> } {
  return {
    files,
    write: async (name, bytes) => void files.set(name, bytes.slice()),
    read: async (name) => files.get(name)?.slice() ?? null,
    remove: async (name) => void files.delete(name),
    list: async () => [...files.keys()],
    room: async () => room,
  };
}

/** A script answering tokens requests over one store per worker; `files` shared across workers stands for OPFS surviving a reload. */
export function tokensScript(files: TokenFiles | null = null): Script {
  const services = new WeakMap<ScriptedWorker, (req: TokensRequest) => void>();
  return (message: Message, worker: ScriptedWorker) => {
    let answer = services.get(worker);
    if (!answer) services.set(worker, (answer = tokensService(new TokenStore(files), (reply) => worker.reply(reply))));
    answer(message as unknown as TokensRequest);
  };
}
