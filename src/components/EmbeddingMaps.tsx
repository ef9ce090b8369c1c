import { useMemo, useState } from 'react';
import { procrustes2d } from '../core/projection/procrustes.ts';
import { useAnalysis, useCollection, useUi } from '../store/hooks.ts';
import { selectImage, uiStore } from '../store/uiStore.ts';
import { mapPointColours, type MapColourMode, type MapLegend } from '../viz/mapColours.ts';
import { neighbourLinks } from '../viz/mapView.ts';
import { JobBar } from './JobBar.tsx';
import { MapView, type MapPointInfo } from './MapView.tsx';
import { imageSplit } from '../store/reconstructionSplit.ts';

const COLOUR_MODES: readonly { readonly mode: MapColourMode; readonly label: string }[] = [
  { mode: 'label', label: 'label' },
  { mode: 'knor', label: 'KNOR' },
  { mode: 'loss', label: 'image loss' },
  { mode: 'split', label: 'training split' },
];

/**
 * The whole collection before and after the connector: two linked maps of the pooled vectors
 * (first two principal components each; store/maps.ts). Selecting a point selects the image
 * everywhere and draws its k neighbours in each space, kept ones solid and lost ones dashed; the
 * lasso filters the gallery; "aligned" rotates the after map onto the before map.
 */
export function EmbeddingMaps() {
  const maps = useAnalysis((s) => s.maps);
  const umap = useAnalysis((s) => s.umap);
  const umapJob = useAnalysis((s) => s.umapJob);
  const layoutChoice = useUi((s) => s.mapLayout);
  const progress = useAnalysis((s) => s.mapsProgress);
  const knor = useAnalysis((s) => s.knor);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const images = useCollection((s) => s.images);
  const mode = useUi((s) => s.mapColour);
  const aligned = useUi((s) => s.mapAligned);
  const filter = useUi((s) => s.mapFilter);
  const selectedId = useUi((s) => s.selectedId);
  const [lasso, setLasso] = useState(false);
  const [hovered, setHovered] = useState<{ readonly index: number; readonly space: 'pre' | 'post' } | null>(null);

  // UMAP once its layouts of these vectors are there; PCA meanwhile (and when chosen).
  const showUmap = layoutChoice === 'umap' && maps !== null && umap !== null && umap.dataKey === maps.dataKey && umap.metric === maps.metric;
  const layout = useMemo(() => {
    if (!maps) return null;
    return showUmap && umap ? { pre: umap.pre, post: umap.post } : { pre: maps.pre, post: maps.post };
  }, [maps, umap, showUmap]);
  const afterXy = useMemo(() => {
    if (!layout) return null;
    if (!aligned) return { xy: layout.post, fit: null };
    const fit = procrustes2d(layout.pre, layout.post);
    return { xy: fit.aligned, fit };
  }, [layout, aligned]);

  const points = useMemo((): MapPointInfo[] => {
    if (!maps) return [];
    const byId = new Map(images.map((i) => [i.id, i]));
    const knorOf = new Map(knor?.ids.map((id, i) => [id, knor.perImage[i]!]) ?? []);
    return maps.ids.map((id) => {
      const image = byId.get(id);
      return { id, name: image?.name ?? id, label: image?.label ?? null, url: image?.url ?? null, knor: knorOf.get(id) ?? null };
    });
  }, [maps, images, knor]);

  const colours = useMemo(() => {
    if (!maps) return null;
    const lossOf = new Map(reconstruction?.ids.map((id, i) => [id, reconstruction.perImage[i]!]) ?? []);
    return mapPointColours(mode, {
      labels: points.map((p) => p.label),
      knor: knor ? Float32Array.from(points, (p) => p.knor ?? NaN) : null,
      loss: reconstruction ? Float32Array.from(points, (p) => lossOf.get(p.id) ?? NaN) : null,
      // Images scored after training were never trained on either: they count as held out.
      heldOut: reconstruction ? points.map((p) => (lossOf.has(p.id) ? imageSplit(reconstruction, p.id) !== 'train' : null)) : null,
    });
  }, [maps, mode, points, knor, reconstruction]);

  const emphasis = useMemo(() => {
    if (!maps || !filter) return null;
    const kept = new Set(filter);
    return Uint8Array.from(maps.ids, (id) => (kept.has(id) ? 1 : 0));
  }, [maps, filter]);

  const selectedIndex = maps && selectedId ? maps.ids.indexOf(selectedId) : -1;
  const links = useMemo(() => {
    if (!maps || !knor || !selectedId || selectedIndex < 0) return { pre: [], post: [] };
    return { pre: neighbourLinks(maps.ids, knor, selectedId, 'pre'), post: neighbourLinks(maps.ids, knor, selectedId, 'post') };
  }, [maps, knor, selectedId, selectedIndex]);

  const onLasso = (indices: number[]) => {
    setLasso(false);
    if (!maps) return;
    uiStore.setState({ mapFilter: indices.length > 0 ? indices.map((i) => maps.ids[i]!) : null });
  };
  // What both maps share; hover is linked (ringed in both), the tooltip shows where the pointer is.
  const mapProps = (space: 'pre' | 'post') => ({
    emphasis,
    points,
    selected: selectedIndex,
    hovered: hovered?.index ?? null,
    tooltip: hovered?.space === space,
    lasso,
    onHover: (index: number | null) => setHovered(index === null ? null : { index, space }),
    onSelect: (i: number) => {
      if (maps) selectImage(maps.ids[i]!);
    },
    onLasso,
  });

  return (
    <section className="panel maps-panel" data-testid="maps-panel" aria-labelledby="maps-title">
      <div className="panel-head">
        <h2 id="maps-title">The collection before and after the connector</h2>
        {maps && (
          <div className="maps-toolbar">
            <label title="PCA: the two directions of largest variance (linear, at once). UMAP: a layout that keeps each image's nearest neighbours together (non-linear; computed here, with progress).">
              layout{' '}
              <select data-testid="map-layout" value={layoutChoice} onChange={(e) => uiStore.setState({ mapLayout: e.target.value as 'pca' | 'umap' })}>
                <option value="pca">PCA</option>
                <option value="umap">UMAP</option>
              </select>
            </label>
            <label>
              colour by{' '}
              <select data-testid="map-colour" value={mode} onChange={(e) => uiStore.setState({ mapColour: e.target.value as MapColourMode })}>
                {COLOUR_MODES.map((m) => (
                  <option key={m.mode} value={m.mode}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
            <label title="Rotate and scale the after map onto the before map (orthogonal Procrustes), so positions can be compared.">
              <input type="checkbox" data-testid="map-aligned" checked={aligned} onChange={(e) => uiStore.setState({ mapAligned: e.target.checked })} /> aligned
            </label>
            <button type="button" data-testid="map-lasso" aria-pressed={lasso} className={lasso ? 'active' : ''} onClick={() => setLasso((on) => !on)}>
              {lasso ? 'Draw round points…' : 'Lasso'}
            </button>
            {filter && (
              <button type="button" data-testid="map-clear-filter" onClick={() => uiStore.setState({ mapFilter: null })}>
                Clear selection ({filter.length})
              </button>
            )}
          </div>
        )}
      </div>
      {!maps && (
        <p className="hint maps-placeholder" data-testid="maps-placeholder">
          {progress !== null
            ? `Laying out the maps… ${Math.round(progress * 100)}%`
            : 'The maps appear once two or more images are embedded: each image is a point, placed by its pooled vector before and after the connector.'}
        </p>
      )}
      {umapJob && <JobBar job={umapJob} testId="umap-job" />}
      {maps && colours && afterXy && layout && (
        <>
          <div className="maps-pair" data-layout={showUmap ? 'umap' : 'pca'}>
            <MapView
              space="pre"
              title="Before the connector"
              caption={
                showUmap
                  ? 'vision encoder · UMAP of each image’s 15 nearest neighbours'
                  : `vision encoder · PC1 ${percent(maps.explainedPre[0])}, PC2 ${percent(maps.explainedPre[1])} of variance`
              }
              xy={layout.pre}
              colours={colours.rgba}
              links={links.pre}
              {...mapProps('pre')}
            />
            <MapView
              space="post"
              title="After the connector"
              caption={
                (showUmap ? 'language model · UMAP' : `language model · PC1 ${percent(maps.explainedPost[0])}, PC2 ${percent(maps.explainedPost[1])}`) +
                (afterXy.fit ? ` · aligned${afterXy.fit.reflected ? ' (mirrored)' : ''}, residual ${afterXy.fit.disparity.toFixed(2)}` : '')
              }
              xy={afterXy.xy}
              colours={colours.rgba}
              links={links.post}
              {...mapProps('post')}
            />
          </div>
          <div className="maps-foot">
            <Legend legend={colours.legend} />
            <p className="hint">
              Lines join the selected image to its {knor?.k ?? 'k'} nearest neighbours in each space: <span className="link-kept">solid</span> where the
              neighbour is kept across the connector, <span className="link-lost">dashed</span> where it is not. Drag to pan, scroll to zoom, double-click to
              reset. PCA of {maps.metric === 'cosine' ? 'unit-length' : 'raw'} pooled vectors: distances on the map are only a shadow of the
              {maps.metric === 'cosine' ? ' cosine' : ' L2'} distances the neighbours come from.
            </p>
          </div>
        </>
      )}
    </section>
  );
}

function percent(share: number | undefined): string {
  return share === undefined ? '–' : `${(share * 100).toFixed(1)}%`;
}

function Legend({ legend }: { legend: MapLegend }) {
  if (legend.kind === 'categories')
    return (
      <ul className="map-legend" data-testid="map-legend">
        {legend.entries.map((e) => (
          <li key={e.name}>
            <span className="swatch" style={{ background: e.colour }} /> {e.name} <span className="muted">({e.count})</span>
          </li>
        ))}
      </ul>
    );
  return (
    <div className="map-legend" data-testid="map-legend">
      <span>{legend.title}</span>
      <span>{legend.domain[0].toFixed(2)}</span>
      <span className="ramp" style={{ background: `linear-gradient(to right, ${legend.stops.join(', ')})` }} />
      <span>{legend.domain[1].toFixed(2)}</span>
      {legend.missing > 0 && <span className="muted">grey: {legend.missing} without a value yet</span>}
    </div>
  );
}
