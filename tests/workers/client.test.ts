/**
 * The typed worker client: replies routed by job id, failures as codes, cancel (and the stop that
 * follows an unanswered cancel), and recovery from a crashed worker.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FailureError, isFailure } from '../../src/core/errors.ts';
import { WorkerClient, type Call, type WorkerReset } from '../../src/workers/client.ts';

type Echo = { type: 'echo'; id: number; value: number };
type Cancel = { type: 'cancel'; id: number; target: number };
interface Calls {
  readonly echo: Call<Echo, number, number, string>;
}

/** A stand-in Worker: records posts; the test plays the worker's side. */
class FakeWorker {
  posted: (Echo | Cancel)[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(message: Echo | Cancel): void {
    this.posted.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  crash(message: string): void {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
}

function setup() {
  const workers: FakeWorker[] = [];
  const client = new WorkerClient<Calls>(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  }, 'the test worker');
  const resets: WorkerReset[] = [];
  client.onReset((r) => resets.push(r));
  return { client, workers, resets };
}

/** The rejection of a promise, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkerClient', () => {
  it('routes progress, items and the result to the right request, typed by the request', async () => {
    const { client, workers } = setup();
    const progress: number[] = [];
    const items: string[] = [];
    const a = client.request({ type: 'echo', value: 1 }, { onProgress: (p) => progress.push(p), onItem: (i) => items.push(i) });
    const b = client.request({ type: 'echo', value: 2 });
    const w = workers[0]!;
    w.reply({ type: 'progress', id: a.id, progress: 50 });
    w.reply({ type: 'item', id: a.id, item: 'x' });
    w.reply({ type: 'result', id: b.id, result: 20 });
    w.reply({ type: 'result', id: a.id, result: 10 });
    const doubled: number = (await a.promise) * 2;
    expect(doubled).toBe(20);
    await expect(b.promise).resolves.toBe(20);
    expect(progress).toEqual([50]);
    expect(items).toEqual(['x']);
  });

  it('rejects with the failure the worker sent, code and details kept', async () => {
    const { client, workers } = setup();
    const job = client.request({ type: 'echo', value: 3 });
    workers[0]!.reply({ type: 'error', id: job.id, error: { code: 'invalid-input', message: 'Add more images.', details: null } });
    const error = await rejectionOf(job.promise);
    expect(error).toBeInstanceOf(FailureError);
    expect(isFailure(error, 'invalid-input')).toBe(true);
    expect((error as FailureError).message).toBe('Add more images.');
  });

  it('sends cancel for a pending job; a job the worker ends as cancelled rejects so', async () => {
    const { client, workers } = setup();
    const job = client.request({ type: 'echo', value: 3 });
    client.cancel(job.id);
    const w = workers[0]!;
    expect(w.posted.at(-1)).toMatchObject({ type: 'cancel', target: job.id });
    w.reply({ type: 'error', id: job.id, error: { code: 'cancelled', message: 'Cancelled.', details: null } });
    expect(isFailure(await rejectionOf(job.promise), 'cancelled')).toBe(true);
  });

  it('releases an idle worker (its memory goes with it) but never one a request waits on; the next request gets a fresh one', async () => {
    const { client, workers, resets } = setup();
    expect(client.releaseWhenIdle()).toBe(false); // none started yet
    const first = client.request({ type: 'echo', value: 1 });
    expect(client.releaseWhenIdle()).toBe(false);
    expect(workers[0]!.terminated).toBe(false);
    workers[0]!.reply({ type: 'result', id: first.id, result: 10 });
    await expect(first.promise).resolves.toBe(10);
    expect(client.releaseWhenIdle()).toBe(true);
    expect(workers[0]!.terminated).toBe(true);
    const next = client.request({ type: 'echo', value: 2 });
    expect(workers.length).toBe(2);
    workers[1]!.reply({ type: 'result', id: next.id, result: 20 });
    await expect(next.promise).resolves.toBe(20);
    // A deliberate release is not a reset: nothing the worker held needs restoring.
    expect(resets).toEqual([]);
  });

  it('ends a worker that does not answer a cancel within the grace period; the next request gets a fresh one', async () => {
    vi.useFakeTimers();
    const { client, workers, resets } = setup();
    const stuck = client.request({ type: 'echo', value: 1 });
    const bystander = client.request({ type: 'echo', value: 2 });
    client.cancel(stuck.id, 2000);
    vi.advanceTimersByTime(1999);
    expect(workers[0]!.terminated).toBe(false);
    vi.advanceTimersByTime(1);
    expect(workers[0]!.terminated).toBe(true);
    expect(isFailure(await rejectionOf(stuck.promise), 'cancelled')).toBe(true);
    expect(isFailure(await rejectionOf(bystander.promise), 'stopped')).toBe(true);
    expect(resets).toEqual([{ code: 'stopped', reason: 'the test worker did not stop within 2 s of Cancel, so it was restarted' }]);
    const next = client.request({ type: 'echo', value: 5 });
    expect(workers.length).toBe(2);
    workers[1]!.reply({ type: 'result', id: next.id, result: 50 });
    await expect(next.promise).resolves.toBe(50);
  });

  it('leaves a worker alone that answered the cancel in time', async () => {
    vi.useFakeTimers();
    const { client, workers, resets } = setup();
    const job = client.request({ type: 'echo', value: 1 });
    client.cancel(job.id, 2000);
    workers[0]!.reply({ type: 'result', id: job.id, result: 1 });
    await expect(job.promise).resolves.toBe(1);
    vi.advanceTimersByTime(5000);
    expect(workers[0]!.terminated).toBe(false);
    expect(resets).toEqual([]);
  });

  it('fails pending jobs as crashed when the worker crashes, tells the reset listener after, then starts a fresh worker', async () => {
    const { client, workers, resets } = setup();
    const job = client.request({ type: 'echo', value: 4 });
    let failedBeforeReset = false;
    client.onReset((r) => {
      resets.push(r);
      failedBeforeReset = !client.isPending(job.id);
    });
    workers[0]!.crash('out of memory');
    const error = await rejectionOf(job.promise);
    expect(isFailure(error, 'crashed')).toBe(true);
    expect((error as FailureError).details).toBe('out of memory');
    expect(resets).toEqual([{ code: 'crashed', reason: 'out of memory' }]);
    expect(failedBeforeReset).toBe(true);
    expect(workers[0]!.terminated).toBe(true);
    const next = client.request({ type: 'echo', value: 5 });
    expect(workers.length).toBe(2);
    workers[1]!.reply({ type: 'result', id: next.id, result: 50 });
    await expect(next.promise).resolves.toBe(50);
  });

  it('does not tell the reset listener of a deliberate terminate', async () => {
    const { client, resets } = setup();
    const job = client.request({ type: 'echo', value: 7 });
    client.terminate();
    expect(isFailure(await rejectionOf(job.promise), 'stopped')).toBe(true);
    expect(resets).toEqual([]);
  });
});
