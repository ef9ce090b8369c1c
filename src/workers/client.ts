/**
 * Typed request/response over a Worker. Each request gets a job id; the request's `type` decides
 * the reply's type (the CallMap), progress and streamed items go to callbacks. Every failure
 * arrives as a FailureError whose code, not its words, says what happened.
 *
 * A worker cannot be interrupted inside one step (an ONNX run, a training batch), so cancel()
 * asks first and, when a grace period is given and the job has not ended by then, terminates the
 * worker: the job fails as cancelled, the others as stopped, and the reset listener hears of it so
 * the owner can restore what the worker held. A crashed worker is replaced the same way.
 */
import { FailureError, type Failure, type FailureCode } from '../core/errors.ts';
import type { CancelRequest, FinishRequest, JobId, Reply } from './protocol.ts';

/** One request type and what it answers with. */
export interface Call<Req extends { readonly type: string; readonly id: JobId }, R, P = never, I = never> {
  readonly request: Req;
  readonly result: R;
  readonly progress: P;
  readonly item: I;
}

/** Request type -> its Call (interfaces have no index signature, hence the mapped bound). Calls are covariant in every part, so any Call fits. */
export type CallMap<M> = { readonly [K in keyof M]: Call<{ readonly type: string; readonly id: JobId }, unknown, unknown, unknown> };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: ((p: unknown) => void) | undefined;
  onItem?: ((i: unknown) => void) | undefined;
}

export interface RequestHandlers<P, I> {
  onProgress?: (progress: P) => void;
  onItem?: (item: I) => void;
  transfer?: Transferable[];
}

/** Why the worker was replaced: it crashed, or the client stopped it (a cancel not answered in time, a deliberate stop). */
export interface WorkerReset {
  readonly code: Extract<FailureCode, 'crashed' | 'stopped'>;
  /** For people: the crash's own words, or why it was stopped. */
  readonly reason: string;
}

type RequestOf<M extends CallMap<M>, K extends keyof M> = Omit<M[K]['request'], 'id'>;

export class WorkerClient<M extends CallMap<M>> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<JobId, Pending>();
  private resetListener: ((reset: WorkerReset) => void) | null = null;

  constructor(
    private readonly spawn: () => Worker,
    private readonly label: string,
  ) {}

  request<K extends keyof M & string>(
    message: RequestOf<M, K> & { readonly type: K },
    handlers: RequestHandlers<M[K]['progress'], M[K]['item']> = {},
  ): { id: JobId; promise: Promise<M[K]['result']> } {
    const id = this.nextId++;
    const promise = new Promise<M[K]['result']>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: handlers.onProgress as Pending['onProgress'],
        onItem: handlers.onItem as Pending['onItem'],
      });
    });
    this.ensureWorker().postMessage({ ...message, id }, handlers.transfer ?? []);
    return { id, promise };
  }

  /**
   * Heard after a crash or a stop, once the pending jobs have failed: the place to restore the
   * worker's state. One listener: a new one replaces the last. Returns a function that removes
   * this one (if it is still the one heard).
   */
  onReset(listener: (reset: WorkerReset) => void): () => void {
    this.resetListener = listener;
    return () => {
      if (this.resetListener === listener) this.resetListener = null;
    };
  }

  /** True while the job has not answered. */
  isPending(id: JobId): boolean {
    return this.pending.has(id);
  }

  /**
   * Ask the worker to stop job `target`. With `graceMs`, a job that has not ended by then is
   * stopped by terminating the worker (it is stuck inside one step): it fails as cancelled, every
   * other pending job as stopped, and the reset listener is told.
   */
  cancel(target: JobId, graceMs?: number): void {
    if (!this.worker || !this.pending.has(target)) return;
    const message: CancelRequest = { type: 'cancel', id: this.nextId++, target };
    this.worker.postMessage(message);
    if (graceMs === undefined) return;
    const worker = this.worker;
    setTimeout(() => {
      if (this.worker !== worker || !this.pending.has(target)) return;
      this.fail(target, { code: 'cancelled', message: 'Cancelled.', details: null });
      this.stop(`${this.label} did not stop within ${(graceMs / 1000).toFixed(graceMs < 1000 ? 1 : 0)} s of Cancel, so it was restarted`);
    }, graceMs);
  }

  /**
   * Ask job `target` to finish now with what it has (a worker that knows FinishRequest: the
   * training worker's "Finish now"). The job still answers with its result; nothing is forced.
   */
  finish(target: JobId): void {
    if (!this.worker || !this.pending.has(target)) return;
    const message: FinishRequest = { type: 'finish', id: this.nextId++, target };
    this.worker.postMessage(message);
  }

  /**
   * Terminate the worker now: every pending job fails as stopped, the reset listener is told,
   * and the next request starts a fresh worker.
   */
  stop(reason: string): void {
    if (!this.worker) return;
    this.worker.terminate();
    this.worker = null;
    this.failAll({ code: 'stopped', message: `Stopped: ${reason}.`, details: null });
    this.resetListener?.({ code: 'stopped', reason });
  }

  /** Start the worker now, so its script loads while other work goes on rather than when the first request needs it. */
  start(): void {
    this.ensureWorker();
  }

  /**
   * Terminate the worker if no request is waiting on it, so that what it allocated goes back to the
   * system (a WebAssembly heap never shrinks while its worker lives); the next request starts a
   * fresh one. False, and nothing done, while a request is pending.
   */
  releaseWhenIdle(): boolean {
    if (!this.worker || this.pending.size > 0) return false;
    this.worker.terminate();
    this.worker = null;
    return true;
  }

  /** Terminate without telling the reset listener: the caller restores the state itself. */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll({ code: 'stopped', message: `Stopped: ${this.label} was restarted.`, details: null });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onmessage = (event: MessageEvent<Reply<unknown, unknown, unknown>>) => this.dispatch(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      if (this.worker !== worker) return;
      worker.terminate();
      this.worker = null;
      const reason = event.message || 'no reason given';
      this.failAll({ code: 'crashed', message: `${capitalise(this.label)} crashed and will restart on the next request.`, details: reason });
      this.resetListener?.({ code: 'crashed', reason });
    };
    this.worker = worker;
    return worker;
  }

  private fail(id: JobId, failure: Failure): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new FailureError(failure));
  }

  private failAll(failure: Failure): void {
    for (const id of [...this.pending.keys()]) this.fail(id, failure);
  }

  private dispatch(reply: Reply<unknown, unknown, unknown>): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    switch (reply.type) {
      case 'progress':
        p.onProgress?.(reply.progress);
        break;
      case 'item':
        p.onItem?.(reply.item);
        break;
      case 'result':
        this.pending.delete(reply.id);
        p.resolve(reply.result);
        break;
      case 'error':
        this.fail(reply.id, reply.error);
        break;
    }
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
