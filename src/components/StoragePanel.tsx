import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { errorText } from '../core/errors.ts';
import { useCollection } from '../store/hooks.ts';
import { CachedModels } from './CachedModels.tsx';
import { clearStoredSessions, storageSummary } from '../store/persistence.ts';
import { refreshCachedModels } from '../store/hubStore.ts';
import { tabStore } from '../store/sessionTabs.ts';
import { say } from '../store/uiStore.ts';

type Summary = Awaited<ReturnType<typeof storageSummary>>;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function StoragePanel() {
  const count = useCollection((s) => s.images.length);
  const [summary, setSummary] = useState<Summary | null>(null);
  const writer = useStore(tabStore, (s) => s.role === 'writer');
  const refresh = () => void storageSummary().then(setSummary, () => setSummary(null));
  const onToggle = (open: boolean) => {
    refresh();
    if (open) void refreshCachedModels();
  };
  // Re-read after the collection changes (writes land shortly after).
  useEffect(() => {
    const timer = setTimeout(refresh, 800);
    return () => clearTimeout(timer);
  }, [count]);
  return (
    <details className="storage-panel" data-testid="storage-panel" onToggle={(e) => onToggle(e.currentTarget.open)}>
      <summary>Stored in this browser for reloads</summary>
      {summary ? (
        <p className="hint">
          {summary.images} images, {summary.embeddings} embedded token sets
          {summary.usage !== null && summary.quota !== null ? ` · ${mb(summary.usage)} of ${mb(summary.quota)} used` : ''}. Nothing leaves this machine.
        </p>
      ) : (
        <p className="hint">Storage is not available in this browser; the session lasts until you close or reload the page.</p>
      )}
      <button
        type="button"
        data-testid="clear-sessions"
        disabled={!writer}
        title={writer ? undefined : 'Another tab holds the stored session; clear it from there (or close it and reload this tab).'}
        onClick={() =>
          void clearStoredSessions().then(
            () => {
              say('info', 'Stored sessions cleared. The images on this page stay until you reload.');
              refresh();
            },
            (e: unknown) =>
              say('error', "Could not clear the stored sessions. Try again, or clear the site's data in the browser's settings.", { details: errorText(e) }),
          )
        }
      >
        Clear stored sessions
      </button>
      {!writer && <p className="hint">Another tab holds the stored session: clear it from that tab.</p>}
      <CachedModels />
    </details>
  );
}
