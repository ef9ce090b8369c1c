import type { Job } from '../store/analysisStore.ts';

/** A running job: what, how far, and its Cancel button (the job bars above the panels, and the lecture). */
export function JobBar({ job, testId }: { job: Job; testId: string }) {
  const share = job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="job-bar" data-testid={testId}>
      <span className="job-label">
        {job.label}: {job.done} / {job.total}
      </span>
      <progress max={1} value={share} aria-label={job.label} />
      <button type="button" onClick={job.cancel}>
        Cancel
      </button>
    </div>
  );
}
