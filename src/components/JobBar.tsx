import { useEffect, useState } from 'react';
import { formatRemaining, remainingSinceMark } from '../core/jobEstimate.ts';
import type { Job } from '../store/analysisStore.ts';

/** A running job: what, how far, how long it has left, its Cancel button, and Finish now where the job can stop early and keep what it has (the job bars above the panels, the reconstruction panel, and the lecture). */
export function JobBar({ job, testId }: { job: Job; testId: string }) {
  const share = job.total > 0 ? job.done / job.total : 0;
  // Re-render every second between steps too, so the estimate does not freeze on a slow step.
  // The clock is read at render: a step that lands between ticks is timed when it lands (a clock
  // kept in state from the last tick made the first estimates far too short).
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  // eslint-disable-next-line react-hooks/purity -- the clock at render is the point (see above)
  const left = remainingSinceMark(job.done, job.total, job.startedAt, job.mark, Date.now());
  return (
    <div className="job-bar" data-testid={testId}>
      <span className="job-label">
        {job.label}: {job.done} / {job.total}
        {left !== null && (
          <span className="job-eta" data-testid="job-eta">
            {' '}
            · {formatRemaining(left)}
          </span>
        )}
      </span>
      <progress max={1} value={share} aria-label={job.label} />
      {job.finish && (
        <button
          type="button"
          data-testid="job-finish"
          title="Stop training after this step and draw the heatmaps with what the model has learned (the best validated weights so far, if an epoch has ended)"
          onClick={job.finish}
        >
          Finish now
        </button>
      )}
      <button type="button" data-testid="job-cancel" onClick={job.cancel}>
        Cancel
      </button>
    </div>
  );
}
