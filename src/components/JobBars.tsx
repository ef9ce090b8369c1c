import type { Job } from '../store/analysisStore.ts';
import { useAnalysis, useCollection } from '../store/hooks.ts';

function JobBar({ job, testId }: { job: Job; testId: string }) {
  const share = job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="job-bar" data-testid={testId}>
      <span className="job-label">
        {job.label}: {job.done} / {job.total}
      </span>
      <progress max={1} value={share} />
      <button type="button" onClick={job.cancel}>
        Cancel
      </button>
    </div>
  );
}

export function JobBars() {
  const embedJob = useAnalysis((s) => s.embedJob);
  const trainJob = useAnalysis((s) => s.trainJob);
  const intake = useCollection((s) => s.intake);
  if (!embedJob && !trainJob && !intake) return null;
  return (
    <div className="job-bars">
      {intake && (
        <div className="job-bar" data-testid="intake-job">
          <span className="job-label">
            Checking files: {intake.done} / {intake.total}
          </span>
          <progress max={1} value={intake.total > 0 ? intake.done / intake.total : 0} />
        </div>
      )}
      {embedJob && <JobBar job={embedJob} testId="embed-job" />}
      {trainJob && <JobBar job={trainJob} testId="train-job" />}
    </div>
  );
}
