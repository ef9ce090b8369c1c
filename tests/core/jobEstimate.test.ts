/** Time left for a job (core/jobEstimate.ts): the mean step time so far, measured after a start-up mark when there is one. */
import { describe, expect, it } from 'vitest';
import { formatRemaining, remainingMs, remainingSinceMark } from '../../src/core/jobEstimate.ts';

describe('job estimates', () => {
  it('times the steps left by the mean step so far, and says nothing before a step or after the last', () => {
    expect(remainingMs(10, 100, 5_000)).toBe(45_000);
    expect(remainingMs(0, 100, 5_000)).toBeNull();
    expect(remainingMs(100, 100, 5_000)).toBeNull();
  });

  it('leaves a start-up out: the rate is measured from the first progress report', () => {
    // 30 s of start-up, then step 1 at t = 30 s and step 11 at t = 35 s: 0.5 s a step.
    const startedAt = 0;
    const mark = { at: 30_000, done: 1 };
    expect(remainingSinceMark(11, 1001, startedAt, mark, 35_000)).toBe(495_000);
    // Counted from the start, the same job looks 7 times slower.
    expect(remainingSinceMark(11, 1001, startedAt, undefined, 35_000)).toBeCloseTo(3_150_000, 6);
    // At the mark itself there is no step to time yet.
    expect(remainingSinceMark(1, 1001, startedAt, mark, 30_000)).toBeNull();
  });

  it('says the time in words', () => {
    expect([formatRemaining(40_000), formatRemaining(180_000), formatRemaining(80 * 60_000)]).toEqual([
      'about 40 s left',
      'about 3 min left',
      'about 1 h 20 min left',
    ]);
  });
});
