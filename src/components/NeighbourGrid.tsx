import { useMemo, useState, type KeyboardEvent } from 'react';
import { distancesFromQuery } from '../core/export/listedDistances.ts';
import type { Metric } from '../core/types.ts';
import type { KnorSource } from '../store/analysisStore.ts';
import type { ImageEntry } from '../store/collectionStore.ts';
import { useAnalysis, useCollection, useUi } from '../store/hooks.ts';
import { pooledVectorsOf } from '../store/neighbours.ts';
import { selectImage } from '../store/uiStore.ts';

const DISTANCE_NAME: Readonly<Record<Metric, string>> = { cosine: 'cosine distance', l2: 'squared L2 distance' };

/** Distances from the query to each neighbour in one space, as the search measured them; null while a vector is missing. */
function distancesOf(queryId: string, ids: readonly string[], space: 'pre' | 'post', metric: Metric, source: KnorSource): Float64Array | null {
  const query = pooledVectorsOf(queryId, source);
  const neighbours = ids.map((id) => pooledVectorsOf(id, source));
  if (!query || neighbours.some((n) => n === null)) return null;
  return distancesFromQuery(
    query[space],
    neighbours.map((n) => n![space]),
    metric,
  );
}

function NeighbourRow({
  title,
  neighbours,
  distances,
  metric,
  other,
  byId,
  queryLabel,
  space,
  testId,
}: {
  title: string;
  space: 'pre' | 'post';
  neighbours: readonly string[];
  distances: Float64Array | null;
  metric: Metric;
  other: ReadonlySet<string>;
  byId: Map<string, ImageEntry>;
  queryLabel: string | null;
  testId: string;
}) {
  // One tab stop per row: arrow keys, Home and End move along it, Enter or Space makes a neighbour the query.
  const [focus, setFocus] = useState(0);
  const current = Math.min(focus, neighbours.length - 1);
  const onKeyDown = (e: KeyboardEvent<HTMLOListElement>) => {
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowDown: current + 1,
      ArrowLeft: current - 1,
      ArrowUp: current - 1,
      Home: 0,
      End: neighbours.length - 1,
    };
    const next = moves[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const clamped = Math.max(0, Math.min(neighbours.length - 1, next));
    setFocus(clamped);
    e.currentTarget.querySelectorAll<HTMLButtonElement>('button')[clamped]?.focus();
  };
  return (
    <div className="neighbour-row" data-testid={testId}>
      <h3 className={`space-${space}`}>{title}</h3>
      <ol onKeyDown={onKeyDown}>
        {neighbours.map((id, rank) => {
          const image = byId.get(id);
          const shared = other.has(id);
          const label = image?.label ?? null;
          const sameLabel = label !== null && label === queryLabel;
          const distance = distances?.[rank];
          return (
            <li key={id} className={shared ? 'neighbour shared' : 'neighbour'} data-shared={shared} data-distance={distance} data-same-label={sameLabel}>
              <button
                type="button"
                tabIndex={rank === current ? 0 : -1}
                onFocus={() => setFocus(rank)}
                onClick={() => selectImage(id)}
                title={`${rank + 1}. ${image?.name ?? id}${label ? ` · ${label}` : ''}${distance !== undefined ? ` · ${DISTANCE_NAME[metric]} ${distance.toPrecision(4)}` : ''}${shared ? ' (kept after projection)' : ''}`}
              >
                {image && <img src={image.url} alt={image.name} />}
                <span className="rank">{rank + 1}</span>
                {shared && (
                  <span className="shared-mark" aria-label="in both">
                    ●
                  </span>
                )}
              </button>
              <span className="neighbour-caption">
                {distance !== undefined && <span className="neighbour-distance">{distance.toFixed(3)}</span>}
                {label !== null && <span className={sameLabel ? 'neighbour-label same' : 'neighbour-label'}>{label}</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function NeighbourGrid() {
  const knor = useAnalysis((s) => s.knor);
  const embeddings = useAnalysis((s) => s.embeddings);
  const firstLook = useAnalysis((s) => s.firstLook);
  const selectedId = useUi((s) => s.selectedId);
  const images = useCollection((s) => s.images);
  const row = knor && selectedId ? knor.ids.indexOf(selectedId) : -1;
  const lists = useMemo(() => {
    if (!knor || row < 0) return null;
    const pick = (nn: Int32Array) => Array.from(nn.subarray(row * knor.k, (row + 1) * knor.k), (j) => knor.ids[j]!);
    return { pre: pick(knor.nnPre), post: pick(knor.nnPost) };
  }, [knor, row]);
  // Recomputed when the vectors behind them change (the first look replaced by this browser's own).
  const distances = useMemo(
    () =>
      lists && knor && selectedId
        ? {
            pre: distancesOf(selectedId, lists.pre, 'pre', knor.metric, knor.source),
            post: distancesOf(selectedId, lists.post, 'post', knor.metric, knor.source),
          }
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps -- embeddings and firstLook are what pooledVectorsOf reads
    [lists, knor, selectedId, embeddings, firstLook],
  );
  if (!knor || !selectedId || !lists) {
    if (knor && selectedId)
      return (
        <div className="panel neighbour-panel">
          <p className="hint">The selected image is not part of the current KNOR run (it failed or is still being embedded).</p>
        </div>
      );
    return null;
  }
  const byId = new Map(images.map((i) => [i.id, i]));
  const selected = byId.get(selectedId);
  if (!selected) return null;
  const preSet = new Set(lists.pre);
  const postSet = new Set(lists.post);
  const queryLabel = selected.label;
  return (
    <div className="panel neighbour-panel" data-testid="neighbour-grid">
      <div className="panel-head">
        <h2>Neighbours of</h2>
        <span className="query">
          <img src={selected.url} alt={selected.name} />
          {selected.name}
          {queryLabel !== null && <span className="neighbour-label same">{queryLabel}</span>}
        </span>
        <span className="image-knor" data-testid="image-knor">
          KNOR {knor.perImage[row]!.toFixed(2)} ({lists.pre.filter((id) => postSet.has(id)).length} of {knor.k} kept)
        </span>
      </div>
      <NeighbourRow
        title="Before the connector (pre-projection)"
        neighbours={lists.pre}
        distances={distances?.pre ?? null}
        metric={knor.metric}
        other={postSet}
        byId={byId}
        queryLabel={queryLabel}
        space="pre"
        testId="neighbours-pre"
      />
      <NeighbourRow
        title="After the connector (post-projection)"
        neighbours={lists.post}
        distances={distances?.post ?? null}
        metric={knor.metric}
        other={preSet}
        byId={byId}
        queryLabel={queryLabel}
        space="post"
        testId="neighbours-post"
      />
      <p className="legend">
        ● in both lists. Under each tile: its {DISTANCE_NAME[knor.metric]} from the query, and its label (bold: the query's). Click a neighbour, or move along a
        row with the arrow keys and press Enter, to make it the query.
      </p>
    </div>
  );
}
