/// <reference lib="webworker" />
/**
 * The page worker of tilePeak.ts: compiles the tile's module (relaxed SIMD: Chromium compiles it)
 * and times its run, best of several tries of about 0.2 s each after a warm-up.
 */
import { replyFromWorker } from './workerReply.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface TilePeakRequest {
  readonly binary: Uint8Array<ArrayBuffer>;
  readonly steps: number;
  readonly flopsPerRep: number;
}

export interface TilePeakResult {
  readonly gflops: number;
}

const REPS = 20_000;
const TRIES = 7;

self.onmessage = (event: MessageEvent<TilePeakRequest>) => {
  replyFromWorker(self, async () => {
    const { binary, steps, flopsPerRep } = event.data;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(binary));
    const run = instance.exports.run as (reps: number, steps: number) => void;
    run(REPS / 10, steps);
    let best = Number.POSITIVE_INFINITY;
    for (let t = 0; t < TRIES; t++) {
      const started = performance.now();
      run(REPS, steps);
      best = Math.min(best, performance.now() - started);
    }
    return { gflops: (flopsPerRep * REPS) / best / 1e6 } satisfies TilePeakResult;
  });
};
