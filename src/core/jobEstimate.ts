/**
 * How long a job has left, from how long its finished steps took: the mean step time so far
 * times the steps left. Null until a step has finished (nothing to go on), and for a job done.
 */
export function remainingMs(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || done >= total || elapsedMs <= 0) return null;
  return (elapsedMs / done) * (total - done);
}

/** "about 40 s", "about 3 min", "about 1 h 20 min" left. */
export function formatRemaining(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `about ${s} s left`;
  const min = Math.round(s / 60);
  if (min < 60) return `about ${min} min left`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min left`;
}
