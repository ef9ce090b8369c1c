import { useStore } from 'zustand';
import { tabStore, type SessionChange } from '../store/sessionTabs.ts';

const CHANGE_TEXT: Readonly<Record<SessionChange, string>> = {
  images: 'added or removed images',
  labels: 'changed labels',
  cleared: 'cleared the stored session',
  'training-started': 'started training',
  'training-ended': 'finished or stopped training',
};

/** In a tab that does not hold the session: says so, what the other tab changed, and when reloading makes this tab the one that saves. */
export function SessionBanner() {
  const { role, changes, writerGone } = useStore(tabStore);
  if (role === 'writer') return null;
  const seen = [...new Set(changes)].map((c) => CHANGE_TEXT[c]);
  return (
    <div className="session-banner" role="status" data-testid="session-banner">
      <p>
        {writerGone
          ? 'The tab that saved this session was closed. Reload this tab to continue from the saved session; it will then save your changes.'
          : 'Connector Lens is open in another tab, which saves the session. This tab shows the saved session and works on it, but saves nothing: images you add or remove and results you compute here are gone on reload, and the other tab is left as it is.'}
      </p>
      {seen.length > 0 && !writerGone && (
        <p data-testid="session-changes">The other tab has since {seen.join(', ')}. Reload this tab to see the saved session as it is now.</p>
      )}
      {(writerGone || seen.length > 0) && (
        <button type="button" data-testid="session-reload" onClick={() => location.reload()}>
          Reload
        </button>
      )}
    </div>
  );
}
