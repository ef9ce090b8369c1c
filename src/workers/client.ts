/**
 * Typed request/response over a Worker. Each request gets a job id; progress and streamed items
 * go to callbacks; cancel() asks the worker to stop that job. If the worker dies, every pending
 * request is rejected with a message and a fresh worker is started on the next request.
 */
import type { CancelRequest, JobId, Reply } from './protocol.ts';

export class CancelledError extends Error {
  override name = 'CancelledError';
}

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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class WorkerClient<Req extends { type: string; id: JobId }, R, P, I> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<JobId, Pending>();
  private crashListener: ((message: string) => void) | null = null;

  constructor(
    private readonly spawn: () => Worker,
    private readonly label: string,
  ) {}

  request<T extends R>(message: DistributiveOmit<Req, 'id'>, handlers: RequestHandlers<P, I> = {}): { id: JobId; promise: Promise<T> } {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: handlers.onProgress as Pending['onProgress'], onItem: handlers.onItem as Pending['onItem'] });
    });
    this.ensureWorker().postMessage({ ...message, id }, handlers.transfer ?? []);
    return { id, promise };
  }

  /** Called after a crash, once the pending jobs have failed: the place to restore the worker's state. */
  onCrash(listener: (message: string) => void): void {
    this.crashListener = listener;
  }

  cancel(target: JobId): void {
    if (!this.worker || !this.pending.has(target)) return;
    const message: CancelRequest = { type: 'cancel', id: this.nextId++, target };
    this.worker.postMessage(message);
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(`${this.label} was stopped`);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onmessage = (event: MessageEvent<Reply<R, P, I>>) => this.dispatch(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.worker?.terminate();
      this.worker = null;
      const message = `${this.label} crashed (${event.message || 'unknown error'}); it will restart on the next request`;
      this.failAll(message);
      this.crashListener?.(message);
    };
    this.worker = worker;
    return worker;
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }

  private dispatch(reply: Reply<R, P, I>): void {
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
        this.pending.delete(reply.id);
        p.reject(reply.error.cancelled ? new CancelledError(reply.error.message) : new Error(reply.error.message));
        break;
    }
  }
}
