import { useStore } from 'zustand';
import { useAnalysis, useModel } from '../store/hooks.ts';
import { exportSession, exportStore, type ExportDelivery } from '../store/sessionExport.ts';
import { canWriteFolders, downloadBytes, pickFolder, writeFolder, type DirectoryHandle } from './download.ts';

const deliver: ExportDelivery<DirectoryHandle> = {
  zip: (name, bytes) => downloadBytes(name, bytes, 'application/zip'),
  pickFolder,
  writeFolder,
};

/** "Export session": every table, array, figure and the trained reconstructor, as a zip or into a folder. */
export function SessionExportButtons() {
  const ready = useModel((s) => s.status === 'ready');
  const hasKnor = useAnalysis((s) => s.knor !== null);
  const running = useStore(exportStore, (s) => s.job !== null);
  const disabled = !ready || !hasKnor || running;
  return (
    <span className="session-export">
      <button
        type="button"
        className="header-button"
        data-testid="export-session"
        disabled={disabled}
        title="Every number as files for a paper: images.csv, neighbours.csv, patch_loss.npy, Embedding Projector TSVs, report.json, the reconstructor (safetensors) and the figures"
        onClick={() => void exportSession('zip', deliver)}
      >
        Export session
      </button>
      {canWriteFolders() && (
        <button
          type="button"
          className="header-button"
          data-testid="export-session-folder"
          disabled={disabled}
          title="The same files, written into a folder you choose"
          onClick={() => void exportSession('folder', deliver)}
        >
          to folder…
        </button>
      )}
    </span>
  );
}
