import { useCollection, useAnalysis, useUi } from '../store/hooks.ts';
import { selectImage } from '../store/uiStore.ts';
import type { ImageEntry } from '../store/collectionStore.ts';

function NeighbourRow({
  title,
  neighbours,
  other,
  byId,
  testId,
}: {
  title: string;
  neighbours: readonly string[];
  other: ReadonlySet<string>;
  byId: Map<string, ImageEntry>;
  testId: string;
}) {
  return (
    <div className="neighbour-row" data-testid={testId}>
      <h3>{title}</h3>
      <ol>
        {neighbours.map((id, rank) => {
          const image = byId.get(id);
          const shared = other.has(id);
          return (
            <li key={id} className={shared ? 'neighbour shared' : 'neighbour'} data-shared={shared}>
              <button type="button" onClick={() => selectImage(id)} title={`${rank + 1}. ${image?.name ?? id}${shared ? ' (kept after projection)' : ''}`}>
                {image && <img src={image.url} alt={image.name} />}
                <span className="rank">{rank + 1}</span>
                {shared && (
                  <span className="shared-mark" aria-label="in both">
                    ●
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function NeighbourGrid() {
  const knor = useAnalysis((s) => s.knor);
  const selectedId = useUi((s) => s.selectedId);
  const images = useCollection((s) => s.images);
  if (!knor || !selectedId) return null;
  const row = knor.ids.indexOf(selectedId);
  const byId = new Map(images.map((i) => [i.id, i]));
  const selected = byId.get(selectedId);
  if (row < 0 || !selected) {
    return (
      <div className="panel neighbour-panel">
        <p className="hint">The selected image is not part of the current KNOR run (it failed or is still being embedded).</p>
      </div>
    );
  }
  const pick = (nn: Int32Array) => Array.from(nn.subarray(row * knor.k, (row + 1) * knor.k), (j) => knor.ids[j]!);
  const pre = pick(knor.nnPre);
  const post = pick(knor.nnPost);
  const preSet = new Set(pre);
  const postSet = new Set(post);
  return (
    <div className="panel neighbour-panel" data-testid="neighbour-grid">
      <div className="panel-head">
        <h2>Neighbours of</h2>
        <span className="query">
          <img src={selected.url} alt={selected.name} />
          {selected.name}
        </span>
        <span className="image-knor" data-testid="image-knor">
          KNOR {knor.perImage[row]!.toFixed(2)} ({pre.filter((id) => postSet.has(id)).length} of {knor.k} kept)
        </span>
      </div>
      <NeighbourRow title="Before the connector (pre-projection)" neighbours={pre} other={postSet} byId={byId} testId="neighbours-pre" />
      <NeighbourRow title="After the connector (post-projection)" neighbours={post} other={preSet} byId={byId} testId="neighbours-post" />
      <p className="legend">● in both lists. Click a neighbour to make it the query.</p>
    </div>
  );
}
