/**
 * How long a job has left, from how long its finished steps took: the mean step time so far
 * times the steps left. Null until a step has finished (nothing to go on), and for a job done.
 */
export function remainingMs(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || done >= total || elapsedMs <= 0) return null;
  return (elapsedMs / done) * (total - done);
}

/** Where a job's rate is measured from: its first progress report, leaving out its start-up. */
export interface RateMark {
  readonly at: number;
  readonly done: number;
}

/**
 * remainingMs for a job with a start-up before its first step (a backend initialising, data
 * being copied): the rate is measured from the first progress report (`mark`) on, so the
 * start-up does not inflate the estimate; without a mark, from the start. Null until a step has
 * finished after the mark.
 */
export function remainingSinceMark(done: number, total: number, startedAt: number, mark: RateMark | undefined, now: number): number | null {
  if (!mark) return remainingMs(done, total, Math.max(0, now - startedAt));
  return remainingMs(done - mark.done, total - mark.done, Math.max(0, now - mark.at));
}

/** "about 40 s", "about 3 min", "about 1 h 20 min" left. */
export function formatRemaining(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `about ${s} s left`;
  const min = Math.round(s / 60);
  if (min < 60) return `about ${min} min left`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min left`;
}
