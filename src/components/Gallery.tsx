import { useMemo, useState } from 'react';
import { removeWithUndo } from '../store/removal.ts';
import { useAnalysis, useCollection, useUi } from '../store/hooks.ts';
import { embedPending } from '../store/embedding.ts';
import { selectImage, uiStore } from '../store/uiStore.ts';

/** Thumbnails rendered at once: a drop of thousands must not re-render thousands of nodes per chunk. */
const PAGE = 400;

export function Gallery() {
  const [shown, setShown] = useState(PAGE);
  const images = useCollection((s) => s.images);
  const embeddings = useAnalysis((s) => s.embeddings);
  const failures = useAnalysis((s) => s.failures);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const selectedId = useUi((s) => s.selectedId);
  const sortByLoss = useUi((s) => s.sortByLoss);
  const mapFilter = useUi((s) => s.mapFilter);
  const embedding = useAnalysis((s) => s.embedJob !== null);
  const pending = images.filter((i) => !embeddings[i.id] && !failures[i.id]).length;

  const lossOf = useMemo(() => {
    const map = new Map<string, number>();
    reconstruction?.ids.forEach((id, i) => map.set(id, reconstruction.perImage[i]!));
    return map;
  }, [reconstruction]);

  const ordered = useMemo(() => {
    // The maps' lasso narrows the gallery to the images drawn round.
    const picked = mapFilter ? new Set(mapFilter) : null;
    const shownImages = picked ? images.filter((i) => picked.has(i.id)) : images;
    if (!sortByLoss) return shownImages;
    return [...shownImages].sort((a, b) => (lossOf.get(b.id) ?? -1) - (lossOf.get(a.id) ?? -1));
  }, [images, sortByLoss, lossOf, mapFilter]);

  // The selected image stays visible even when it lies past the rendered page.
  const visible = useMemo(() => {
    const page = ordered.slice(0, shown);
    const selected = ordered.findIndex((i) => i.id === selectedId);
    return selected >= shown ? [...page, ordered[selected]!] : page;
  }, [ordered, shown, selectedId]);
  const hidden = ordered.length - Math.min(shown, ordered.length);

  return (
    <div className="gallery-panel">
      <div className="panel-head">
        <h2>Collection ({images.length})</h2>
        {pending > 0 && !embedding && (
          <button type="button" data-testid="embed-pending" onClick={() => void embedPending()}>
            Embed {pending} waiting
          </button>
        )}
        <label>
          <input type="checkbox" checked={sortByLoss} disabled={!reconstruction} onChange={(e) => uiStore.setState({ sortByLoss: e.target.checked })} />
          worst reconstruction first
        </label>
      </div>
      {mapFilter && (
        <p className="gallery-filter" data-testid="gallery-filter">
          Showing the {ordered.length} image{ordered.length === 1 ? '' : 's'} picked on the map.{' '}
          <button type="button" onClick={() => uiStore.setState({ mapFilter: null })}>
            Show all
          </button>
        </p>
      )}
      {images.length === 0 && <p className="hint">No images yet. Drop some, or add the sample set.</p>}
      <ul className="gallery" data-testid="gallery">
        {visible.map((image) => {
          const loss = lossOf.get(image.id);
          const failure = failures[image.id];
          const state = failure ? 'failed' : embeddings[image.id] ? 'embedded' : 'pending';
          return (
            <li key={image.id} className={`thumb thumb-${state}${image.id === selectedId ? ' selected' : ''}`} data-testid="thumb" data-state={state}>
              <button type="button" className="thumb-button" onClick={() => selectImage(image.id)} title={failure ?? image.name}>
                <img src={image.url} alt={image.name} loading="lazy" />
                <span className="thumb-name">{image.name.slice(image.name.lastIndexOf('/') + 1)}</span>
                {image.label && (
                  <span className="thumb-label" data-testid="thumb-label">
                    {image.label}
                  </span>
                )}
                {loss !== undefined && (
                  <span className="thumb-loss" data-testid="thumb-loss">
                    loss {loss.toFixed(3)}
                  </span>
                )}
                {failure && <span className="thumb-error">failed</span>}
              </button>
              <button type="button" className="thumb-remove" aria-label={`Remove ${image.name}`} onClick={() => removeWithUndo(image.id)}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
      {hidden > 0 && (
        <button type="button" className="gallery-more" data-testid="gallery-more" onClick={() => setShown((n) => n + PAGE)}>
          Show {Math.min(PAGE, hidden)} more ({hidden} not shown)
        </button>
      )}
    </div>
  );
}
