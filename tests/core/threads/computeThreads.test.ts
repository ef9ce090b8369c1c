import { describe, expect, it } from 'vitest';
import { computeThreads, CROSS_ORIGIN_ISOLATION_HEADERS, MAX_COMPUTE_THREADS } from '../../../src/core/threads/computeThreads.ts';

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
});
