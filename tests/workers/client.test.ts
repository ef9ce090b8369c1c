/** The typed worker client: replies routed by job id, cancel, and recovery from a crashed worker. */
import { describe, expect, it } from 'vitest';
import { CancelledError, WorkerClient } from '../../src/workers/client.ts';

type Req = { type: 'echo'; id: number; value: number } | { type: 'cancel'; id: number; target: number };

/** A stand-in Worker: records posts; the test plays the worker's side. */
class FakeWorker {
  posted: Req[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(message: Req): void {
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
  const client = new WorkerClient<Req, number, number, string>(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  }, 'the test worker');
  return { client, workers };
}

describe('WorkerClient', () => {
  it('routes progress, items and the result to the right request', async () => {
    const { client, workers } = setup();
    const progress: number[] = [];
    const items: string[] = [];
    const a = client.request<number>({ type: 'echo', value: 1 }, { onProgress: (p) => progress.push(p), onItem: (i) => items.push(i) });
    const b = client.request<number>({ type: 'echo', value: 2 });
    const w = workers[0]!;
    w.reply({ type: 'progress', id: a.id, progress: 50 });
    w.reply({ type: 'item', id: a.id, item: 'x' });
    w.reply({ type: 'result', id: b.id, result: 20 });
    w.reply({ type: 'result', id: a.id, result: 10 });
    await expect(a.promise).resolves.toBe(10);
    await expect(b.promise).resolves.toBe(20);
    expect(progress).toEqual([50]);
    expect(items).toEqual(['x']);
  });

  it('sends cancel for a pending job and rejects it as cancelled when the worker says so', async () => {
    const { client, workers } = setup();
    const job = client.request<number>({ type: 'echo', value: 3 });
    client.cancel(job.id);
    const w = workers[0]!;
    expect(w.posted.at(-1)).toMatchObject({ type: 'cancel', target: job.id });
    w.reply({ type: 'error', id: job.id, error: { message: 'training cancelled', cancelled: true } });
    await expect(job.promise).rejects.toBeInstanceOf(CancelledError);
  });

  it('fails pending jobs with a message when the worker crashes, then starts a fresh worker', async () => {
    const { client, workers } = setup();
    const job = client.request<number>({ type: 'echo', value: 4 });
    workers[0]!.crash('out of memory');
    await expect(job.promise).rejects.toThrow('the test worker crashed (out of memory); it will restart on the next request');
    expect(workers[0]!.terminated).toBe(true);
    const next = client.request<number>({ type: 'echo', value: 5 });
    expect(workers.length).toBe(2);
    workers[1]!.reply({ type: 'result', id: next.id, result: 50 });
    await expect(next.promise).resolves.toBe(50);
  });

  it('tells its crash listener after failing the pending jobs, and not on a deliberate stop', async () => {
    const { client, workers } = setup();
    const heard: string[] = [];
    const job = client.request<number>({ type: 'echo', value: 6 });
    let jobFailedFirst = false;
    job.promise.catch(() => undefined);
    client.onCrash((message) => {
      heard.push(message);
      jobFailedFirst = true;
    });
    workers[0]!.crash('abort');
    await expect(job.promise).rejects.toThrow(/crashed \(abort\)/);
    expect(heard).toEqual(['the test worker crashed (abort); it will restart on the next request']);
    expect(jobFailedFirst).toBe(true);
    client.request<number>({ type: 'echo', value: 7 }).promise.catch(() => undefined);
    client.terminate();
    expect(heard.length).toBe(1);
  });
});
