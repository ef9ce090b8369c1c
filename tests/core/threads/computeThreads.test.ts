import { describe, expect, it } from 'vitest';
import { computeThreads, CROSS_ORIGIN_ISOLATION_HEADERS, MAX_COMPUTE_THREADS, tfjsWasmThreads } from '../../../src/core/threads/computeThreads.ts';

describe('computeThreads', () => {
  it('gives one thread to a page that is not cross-origin isolated, whatever its cores, and says why', () => {
    for (const cores of [1, 2, 16, undefined]) {
      const answer = computeThreads(false, cores);
      expect(answer.threads).toBe(1);
      expect(answer.singleThreadReason).toMatch(/not cross-origin isolated/);
    }
  });

  it('gives an isolated page a thread per core, up to the cap', () => {
    for (let cores = 2; cores <= 32; cores++) {
      const answer = computeThreads(true, cores);
      expect(answer.threads).toBe(Math.min(cores, MAX_COMPUTE_THREADS));
      expect(answer.singleThreadReason).toBeNull();
    }
  });

  it('never gives fewer than one thread, and says why a single core gets one', () => {
    for (const cores of [0, -3, Number.NaN, undefined, 1, 1.5]) {
      const answer = computeThreads(true, cores);
      expect(answer.threads).toBe(1);
      expect(answer.singleThreadReason).toMatch(/single core/);
    }
  });

  it('names the two headers a browser needs for shared memory', () => {
    expect(CROSS_ORIGIN_ISOLATION_HEADERS).toEqual({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
  });

  it('gives tfjs what tfjs itself would settle on: half the logical cores, at most 8 and at most what is asked', () => {
    // tfjs-backend-wasm's init_with_threads_count: min(max(asked, 1), 8, cores / 2), at least one.
    const tfjsOwn = (asked: number, cores: number) => Math.max(1, Math.min(Math.max(asked, 1), 8, Math.floor(cores / 2)));
    for (let cores = 1; cores <= 32; cores++) for (const asked of [1, 2, 3, 8, 16]) expect(tfjsWasmThreads(asked, cores)).toBe(tfjsOwn(asked, cores));
    expect(tfjsWasmThreads(8, undefined)).toBe(1);
    expect(tfjsWasmThreads(2, 2)).toBe(1); // this project's 2-core machine: tfjs's single-threaded build
  });
});
