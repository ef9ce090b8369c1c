/**
 * A stand-in for the global Worker in store tests: every request a WorkerClient posts goes to the
 * script registered for that worker's name (its `name` option), which answers as the real worker
 * would (result, error, progress, items) or not at all; `crash` raises the worker's error event.
 * Stub it with `vi.stubGlobal('Worker', ScriptedWorker)` and reset `scripts` and `spawned` per test.
 * The tokens worker needs no script: unless a test registers one, it is the real handling over an
 * in-memory store (tests/support/tokensScript.ts), since every embedding hands its tokens there.
 */
import { tokensScript } from './tokensScript.ts';

export type Message = { readonly type: string; readonly id: number; readonly [key: string]: unknown };
export type Script = (message: Message, worker: ScriptedWorker) => void;

/** A Worker whose replies the test scripts: every posted request goes to the script of its worker's name. */
const realTokens = tokensScript();

export class ScriptedWorker {
  static scripts = new Map<string, Script>();
  static spawned: ScriptedWorker[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string; preventDefault(): void }) => void) | null = null;
  readonly received: Message[] = [];
  terminated = false;
  readonly name: string;
  constructor(_url: unknown, options: { name?: string } = {}) {
    this.name = options.name ?? 'unnamed';
    ScriptedWorker.spawned.push(this);
  }
  postMessage(message: Message): void {
    this.received.push(message);
    const script = ScriptedWorker.scripts.get(this.name) ?? (this.name.startsWith('tokens') ? realTokens : undefined);
    // Replies arrive later, as a real worker's would.
    if (script) queueMicrotask(() => !this.terminated && script(message, this));
  }
  reply(data: unknown): void {
    if (!this.terminated) this.onmessage?.({ data });
  }
  crash(message: string): void {
    this.onerror?.({ message, preventDefault: () => undefined });
  }
  terminate(): void {
    this.terminated = true;
  }
}
