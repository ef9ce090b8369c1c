import { useAnalysis, useCollection } from '../store/hooks.ts';
import { JobBar } from './JobBar.tsx';

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
