import { formatBytes } from '../core/formatBytes.ts';
import { useAnalysis, useCollection, useHub, useModel } from '../store/hooks.ts';
import type { HubDownload } from '../store/hubStore.ts';
import { JobBar } from './JobBar.tsx';
import { useStore } from 'zustand';
import { exportStore } from '../store/sessionExport.ts';
import { blockStoreJobs } from '../store/blockStoreSession.ts';

function HubDownloadBar({ download }: { download: HubDownload }) {
  const p = download.progress;
  const share = p && p.total ? p.done / p.total : 0;
  return (
    <div className="job-bar" data-testid="hub-job">
      <span className="job-label">
        Downloading {download.repo}
        {p
          ? `: ${p.path} (${p.fileIndex + 1} of ${p.fileCount}${p.fromCache ? ', cached' : ''}) · ${formatBytes(p.done)}${p.total === null ? '' : ` of ${formatBytes(p.total)}`}`
          : ': asking the hub for its files…'}
      </span>
      <progress max={1} value={share} />
      <button type="button" onClick={download.cancel}>
        Cancel
      </button>
    </div>
  );
}

export function JobBars() {
  const embedJob = useAnalysis((s) => s.embedJob);
  const intake = useCollection((s) => s.intake);
  const download = useHub((s) => s.download);
  const loading = useModel((s) => s.loading);
  const exportJob = useStore(exportStore, (s) => s.job);
  const storeJob = useStore(blockStoreJobs, (s) => s.reading);
  // Training's bar sits in its own panel (TrainPanel), next to the button that started it: on a
  // narrow window the page has scrolled there, and a bar up here would be out of sight.
  if (!embedJob && !intake && !download && !loading && !exportJob && !storeJob) return null;
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
      {download && <HubDownloadBar download={download} />}
      {loading && (
        <div className="job-bar" data-testid="load-job">
          <span className="job-label">Opening {loading.what}… (the model open now stays usable until this one is ready)</span>
          <progress aria-label={`Opening ${loading.what}`} />
          <button type="button" data-testid="load-cancel" onClick={loading.cancel}>
            Cancel
          </button>
        </div>
      )}
      {embedJob && <JobBar job={embedJob} testId="embed-job" />}
      {exportJob && <JobBar job={exportJob} testId="export-job" />}
      {storeJob && <JobBar job={storeJob} testId="block-store-job" />}
    </div>
  );
}
