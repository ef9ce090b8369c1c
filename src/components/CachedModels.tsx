import { formatBytes } from '../core/formatBytes.ts';
import { useHub } from '../store/hooks.ts';
import { evictCachedModel } from '../store/hubStore.ts';

/** Models downloaded from a hub and kept in this browser, with sizes and a way to remove each (read when the storage panel opens). */
export function CachedModels() {
  const cached = useHub((s) => s.cached);
  const persistent = useHub((s) => s.persistent);
  const downloading = useHub((s) => s.download !== null);
  if (cached === null) return null;
  return (
    <div className="cached-models" data-testid="cached-models">
      <h3>Downloaded models</h3>
      {!persistent && <p className="hint">This page cannot keep downloads (no Cache Storage outside https or localhost): models last until you close it.</p>}
      {cached.length === 0 ? (
        <p className="hint">None yet. "Open from Hugging Face…" keeps what it downloads here.</p>
      ) : (
        <ul>
          {cached.map((m) => (
            <li
              key={`${m.host} ${m.repo} ${m.sha}`}
              title={`${m.host}/${m.repo} at ${m.sha}\n${m.files.map((f) => `${f.path} (${formatBytes(f.size)})`).join('\n')}`}
            >
              <span className="cached-name">
                {m.repo}
                {m.revisions.length > 0 ? ` @ ${m.revisions.join(', ')}` : ''} · {m.sha.slice(0, 7)}
              </span>
              <span className="cached-size">
                {formatBytes(m.bytes)} in {m.files.length} file{m.files.length === 1 ? '' : 's'}
                {m.complete ? '' : ' (incomplete: opening it again fetches the rest)'}
              </span>
              <button type="button" data-testid="evict-model" disabled={downloading} onClick={() => void evictCachedModel(m)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
