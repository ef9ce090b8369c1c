import { useMemo, useRef, useState } from 'react';
import { galleryOrder, labelCounts, type GallerySort } from '../core/imageset/galleryOrder.ts';
import { removeWithUndo } from '../store/removal.ts';
import { useAnalysis, useCollection, useUi } from '../store/hooks.ts';
import { embedPending } from '../store/embedding.ts';
import { selectImage, uiStore } from '../store/uiStore.ts';

/** Thumbnails rendered at once: a drop of thousands must not re-render thousands of nodes per chunk. */
const PAGE = 400;

const SORTS: readonly { readonly sort: GallerySort; readonly label: string }[] = [
  { sort: 'collection', label: 'as added' },
  { sort: 'name', label: 'name' },
  { sort: 'label', label: 'label' },
  { sort: 'knor', label: 'KNOR, fewest kept first' },
  { sort: 'loss', label: 'loss, worst first' },
];

export function Gallery() {
  const [shown, setShown] = useState(PAGE);
  const images = useCollection((s) => s.images);
  const embeddings = useAnalysis((s) => s.embeddings);
  const failures = useAnalysis((s) => s.failures);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const knor = useAnalysis((s) => s.knor);
  const selectedId = useUi((s) => s.selectedId);
  const sort = useUi((s) => s.gallerySort);
  const labelFilter = useUi((s) => s.galleryLabel);
  const query = useUi((s) => s.galleryQuery);
  const mapFilter = useUi((s) => s.mapFilter);
  const embedding = useAnalysis((s) => s.embedJob !== null);
  const pending = images.filter((i) => !embeddings[i.id] && !failures[i.id]).length;
  const listRef = useRef<HTMLUListElement>(null);

  const lossOf = useMemo(() => {
    const map = new Map<string, number>();
    reconstruction?.ids.forEach((id, i) => map.set(id, reconstruction.perImage[i]!));
    return map;
  }, [reconstruction]);
  const knorOf = useMemo(() => new Map(knor?.ids.map((id, i) => [id, knor.perImage[i]!]) ?? []), [knor]);
  const labels = useMemo(() => labelCounts(images), [images]);

  // The maps' lasso, the label and the name text narrow the gallery; the sort orders what is left.
  const ordered = useMemo(
    () => galleryOrder(images, { sort, label: labelFilter, query, picked: mapFilter ? new Set(mapFilter) : null }, { knor: knorOf, loss: lossOf }),
    [images, sort, labelFilter, query, mapFilter, knorOf, lossOf],
  );

  // The selected image stays visible even when it lies past the rendered page.
  const visible = useMemo(() => {
    const page = ordered.slice(0, shown);
    const selected = ordered.findIndex((i) => i.id === selectedId);
    return selected >= shown ? [...page, ordered[selected]!] : page;
  }, [ordered, shown, selectedId]);
  const hidden = ordered.length - Math.min(shown, ordered.length);
  // One tab stop for the whole grid (the selected thumbnail, else the first); arrows move within it.
  const focusId = visible.some((i) => i.id === selectedId) ? selectedId : (visible[0]?.id ?? null);

  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>) => {
    const items = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('.thumb-button') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      const id = visible[at]?.id;
      const next = visible[at + 1] ?? visible[at - 1];
      if (id) removeWithUndo(id);
      if (next) selectImage(next.id);
      return;
    }
    const to = gridMove(items, at, event.key);
    if (to === null) return;
    event.preventDefault();
    const target = visible[to];
    if (!target) return;
    selectImage(target.id);
    items[to]!.focus();
  };

  return (
    <div className="gallery-panel">
      <div className="panel-head">
        <h2>Collection ({images.length})</h2>
        {pending > 0 && !embedding && (
          <button type="button" data-testid="embed-pending" onClick={() => void embedPending()}>
            Embed {pending} waiting
          </button>
        )}
      </div>
      {images.length > 0 && (
        <div className="gallery-tools">
          <label>
            sort{' '}
            <select data-testid="gallery-sort" value={sort} onChange={(e) => uiStore.setState({ gallerySort: e.target.value as GallerySort })}>
              {SORTS.map((option) => (
                <option key={option.sort} value={option.sort} disabled={(option.sort === 'loss' && !reconstruction) || (option.sort === 'knor' && !knor)}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          {labels.length > 1 && (
            <label>
              label{' '}
              <select
                data-testid="gallery-label"
                value={labelFilter ?? '*'}
                onChange={(e) => uiStore.setState({ galleryLabel: e.target.value === '*' ? null : e.target.value })}
              >
                <option value="*">all</option>
                {labels.map((l) => (
                  <option key={l.label} value={l.label}>
                    {l.label === '' ? 'no label' : l.label} ({l.count})
                  </option>
                ))}
              </select>
            </label>
          )}
          <input
            type="search"
            className="gallery-search"
            data-testid="gallery-search"
            placeholder="name contains…"
            aria-label="Show images whose name contains"
            value={query}
            onChange={(e) => uiStore.setState({ galleryQuery: e.target.value })}
          />
        </div>
      )}
      {mapFilter && (
        <p className="gallery-filter" data-testid="gallery-filter">
          Showing the {ordered.length} image{ordered.length === 1 ? '' : 's'} picked on the map.{' '}
          <button type="button" onClick={() => uiStore.setState({ mapFilter: null })}>
            Show all
          </button>
        </p>
      )}
      {images.length === 0 && <p className="hint">No images yet. Drop some, or add the sample set.</p>}
      {(labelFilter !== null || query.trim() !== '') && !mapFilter && (
        <p className="gallery-filter" data-testid="gallery-narrowed">
          Showing {ordered.length} of {images.length}.{' '}
          <button type="button" onClick={() => uiStore.setState({ galleryLabel: null, galleryQuery: '' })}>
            Show all
          </button>
        </p>
      )}
      <ul
        className="gallery"
        data-testid="gallery"
        ref={listRef}
        onKeyDown={onKeyDown}
        aria-label="Images: arrow keys move, Delete removes (with Undo)"
        aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Home End Delete"
      >
        {visible.map((image) => {
          const loss = lossOf.get(image.id);
          const failure = failures[image.id];
          const state = failure ? 'failed' : embeddings[image.id] ? 'embedded' : 'pending';
          return (
            <li key={image.id} className={`thumb thumb-${state}${image.id === selectedId ? ' selected' : ''}`} data-testid="thumb" data-state={state}>
              <button
                type="button"
                className="thumb-button"
                tabIndex={image.id === focusId ? 0 : -1}
                aria-current={image.id === selectedId ? 'true' : undefined}
                onClick={() => selectImage(image.id)}
                title={failure ?? image.name}
              >
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
              <button type="button" className="thumb-remove" tabIndex={-1} aria-label={`Remove ${image.name}`} onClick={() => removeWithUndo(image.id)}>
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

/**
 * Where an arrow key (or Home/End) goes in a wrapped grid of buttons: left and right by one, up
 * and down to the nearest button in the row above or below (rows read from the layout, so any
 * column count works). null for other keys or past an edge.
 */
function gridMove(items: readonly HTMLElement[], at: number, key: string): number | null {
  if (key === 'ArrowLeft') return at > 0 ? at - 1 : null;
  if (key === 'ArrowRight') return at < items.length - 1 ? at + 1 : null;
  if (key === 'Home') return 0;
  if (key === 'End') return items.length - 1;
  if (key !== 'ArrowUp' && key !== 'ArrowDown') return null;
  const here = items[at]!.getBoundingClientRect();
  const below = key === 'ArrowDown';
  let best: number | null = null;
  let bestScore = Infinity;
  items.forEach((item, i) => {
    const box = item.getBoundingClientRect();
    const rowDelta = below ? box.top - here.top : here.top - box.top;
    if (rowDelta < here.height / 2) return;
    // The nearest row first, then the nearest column in it.
    const score = rowDelta * 1e4 + Math.abs(box.left - here.left);
    if (score < bestScore) [best, bestScore] = [i, score];
  });
  return best;
}
