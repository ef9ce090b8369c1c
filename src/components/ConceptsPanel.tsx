import { useMemo, useRef, useState } from 'react';
import type { ConceptMatch } from '../core/sae/conceptSurvival.ts';
import { latentActivations } from '../core/sae/topkSae.ts';
import type { ConceptSide } from '../ml/conceptAnalysis.ts';
import {
  ACTIVE_LATENTS,
  conceptExportZip,
  conceptsStore,
  dictionarySizes,
  findConcepts,
  importConcepts,
  MIN_CONCEPT_IMAGES,
  nameConcept,
  type ConceptResult,
} from '../store/concepts.ts';
import { downloadBytes } from './download.ts';
import { useAnalysis, useCollection, useModel } from '../store/hooks.ts';
import { useStore } from 'zustand';
import { selectImage } from '../store/uiStore.ts';
import { ConceptHeatmap } from './ConceptHeatmap.tsx';
import { HiddenFileInput } from './HiddenFileInput.tsx';
import { SaeLossCurve } from './SaeLossCurve.tsx';
import { JobBar } from './JobBar.tsx';
import { StabilityPlot } from './StabilityPlot.tsx';
import { ConceptLossSummary } from './ConceptLossSummary.tsx';
import { useConceptLossLink } from './useConceptLossLink.ts';
import { useConceptPatchMaps, useConceptResultCurrent } from './useConceptView.ts';

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
/** Rows shown before "Show more". */
const PAGE = 24;
/** Top-activating images shown per concept. */
const EXAMPLES = 5;
/** Canvas pixels per example. */
const EXAMPLE_PIXELS = 64;

type SortKey = 'frequency' | 'lost' | 'bridge' | 'loss';

/** Sparse concepts before and after the connector (issue 15): quality beside PCA, and which pre concepts keep a counterpart. */
export function ConceptsPanel() {
  const { job, result, settings } = useStore(conceptsStore);
  const embedded = useAnalysis((s) => Object.keys(s.embeddings).length);
  const ready = useModel((s) => s.status === 'ready');
  const current = useConceptResultCurrent(result);
  const enough = embedded >= MIN_CONCEPT_IMAGES;
  const width = useModel((s) => s.manifest?.tokens.dPre ?? null);
  const importInput = useRef<HTMLInputElement>(null);
  return (
    <section className="panel concepts-panel" data-testid="concepts-panel" aria-labelledby="concepts-title">
      <h2 id="concepts-title">Concepts across the connector</h2>
      <p className="hint">
        A sparse autoencoder writes each patch token as a few learned directions, “concepts”; one is trained before the connector and one after it. A concept
        before it with no concept after it that fires with it is information the connector merged away or dropped.
      </p>
      <div className="concepts-controls">
        <label>
          on{' '}
          <select
            value={settings.level}
            data-testid="concepts-level"
            onChange={(e) => conceptsStore.setState((s) => ({ settings: { ...s.settings, level: e.target.value as 'patches' | 'pooled' } }))}
          >
            <option value="patches">patch tokens</option>
            <option value="pooled">pooled vectors (one per image; fast)</option>
          </select>
        </label>
        <label>
          dictionary{' '}
          <select
            value={settings.latents}
            data-testid="concepts-latents"
            onChange={(e) => conceptsStore.setState((s) => ({ settings: { ...s.settings, latents: Number(e.target.value) } }))}
          >
            {dictionarySizes(width).map((m) => (
              <option key={m} value={m}>
                {m} concepts{width && m === 4 * width ? ' (4× width)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          active per token{' '}
          <select
            value={settings.k}
            data-testid="concepts-k"
            onChange={(e) => conceptsStore.setState((s) => ({ settings: { ...s.settings, k: Number(e.target.value) } }))}
          >
            {ACTIVE_LATENTS.filter((k) => k < settings.latents).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label title="Train the SAE before the connector again with another seed, and see which concepts come back">
          <input
            type="checkbox"
            checked={settings.stability}
            data-testid="concepts-stability"
            onChange={(e) => conceptsStore.setState((s) => ({ settings: { ...s.settings, stability: e.target.checked } }))}
          />{' '}
          check stability (another seed)
        </label>
        <button type="button" data-testid="concepts-run" disabled={!ready || !enough || job !== null} onClick={() => void findConcepts()}>
          {result ? 'Find concepts again' : 'Find concepts'}
        </button>
        <button
          type="button"
          className="small-button"
          data-testid="concepts-import"
          disabled={!ready || !enough || job !== null}
          title="A concept export (the zip “Export concepts” writes, or its files together): its autoencoders are applied to the images open now, without training"
          onClick={() => importInput.current?.click()}
        >
          Import concepts…
        </button>
        <HiddenFileInput
          inputRef={importInput}
          testId="concepts-import-input"
          multiple
          accept=".zip,.safetensors,.json,.csv"
          onFiles={(files) => void importConcepts(files)}
        />
        {ready && !enough && <span className="hint">Needs at least {MIN_CONCEPT_IMAGES} embedded images.</span>}
      </div>
      {job && <JobBar job={job} testId="concepts-job" />}
      {result && <ConceptResults result={result} current={current} />}
    </section>
  );
}

function QualityTable({ result }: { result: ConceptResult }) {
  const { pre, post, settings } = result.analysis;
  const row = (name: string, side: ConceptSide, className: string) => (
    <tr className={className} data-testid={`concepts-quality-${className === 'space-pre' ? 'pre' : 'post'}`} data-fve={side.quality.varianceExplained}>
      <th scope="row">{name}</th>
      <td>{percent(side.quality.varianceExplained)}</td>
      <td>{percent(side.pcaVarianceExplained)}</td>
      <td>{side.quality.meanL0.toFixed(2)}</td>
      <td>{percent(side.quality.deadShare)}</td>
    </tr>
  );
  return (
    <table className="concepts-quality">
      <caption>
        {settings.latents} concepts, {settings.k} active per {settings.level === 'pooled' ? 'image' : 'token'}, on the{' '}
        {settings.level === 'pooled' ? 'pooled vectors' : 'patch tokens'} of {result.ids.length} images
        {result.origin && <span data-testid="concepts-origin">; autoencoders imported from {result.origin}, not trained here</span>}
      </caption>
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">variance explained</th>
          <th scope="col">PCA, {settings.k} dims</th>
          <th scope="col">mean active (L0)</th>
          <th scope="col">dead</th>
        </tr>
      </thead>
      <tbody>
        {row('Before the connector', pre, 'space-pre')}
        {row('After the connector', post, 'space-post')}
      </tbody>
    </table>
  );
}

function ConceptResults({ result, current }: { result: ConceptResult; current: boolean }) {
  const { matches, pre, aligned, settings, recurrence } = result.analysis;
  const images = useCollection((s) => s.images);
  const byId = useMemo(() => new Map(images.map((i) => [i.id, i])), [images]);
  const [sort, setSort] = useState<SortKey>('frequency');
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE);
  const names = useStore(conceptsStore, (s) => s.names);
  const lossLink = useConceptLossLink(result);
  const n = result.ids.length;
  const tokens = pre.codes.n;
  // Token-level: a concept of a few patches still touches nearly every image.
  const frequency = (m: ConceptMatch) => pre.quality.firing[m.pre]! / tokens;
  const lossOf = (concept: number) => lossLink?.perConcept[concept] ?? Number.NaN;
  const rows = useMemo(() => {
    const withFrequency = matches.map((m) => ({ match: m, fires: frequency(m) }));
    const order: Record<SortKey, (a: (typeof withFrequency)[number], b: (typeof withFrequency)[number]) => number> = {
      frequency: (a, b) => b.fires - a.fires || a.match.pre - b.match.pre,
      lost: (a, b) => Number(b.match.lost) - Number(a.match.lost) || b.fires - a.fires,
      bridge: (a, b) => b.match.bridge - a.match.bridge,
      // Concepts without a loss figure (no shared image) last.
      loss: (a, b) => (lossOf(b.match.pre) || -Infinity) - (lossOf(a.match.pre) || -Infinity) || a.match.pre - b.match.pre,
    };
    return withFrequency.sort(order[sort]);
  }, [matches, sort, lossLink]); // eslint-disable-line react-hooks/exhaustive-deps -- frequency and lossOf read the result and the link
  const lost = matches.filter((m) => m.lost).length;
  // Each example shows where on it the concept fires, when the codes are on the patch grid.
  const patchMaps = useConceptPatchMaps(result);
  const embeddings = useAnalysis((s) => s.embeddings);
  const size = useModel((s) => s.manifest?.image.size ?? 0);

  const filtered = rows.filter(({ match }) => query === '' || (names[match.pre] ?? `concept ${match.pre}`).toLowerCase().includes(query.toLowerCase()));
  const visible = filtered.slice(0, shown).map((r) => ({ ...r, examples: topImages(pre.perImage, settings.latents, r.match.pre, n, EXAMPLES) }));
  const exampleIds = [...new Set(visible.flatMap((r) => r.examples.map((e) => result.ids[e.row]!)))].join('\n');
  // The pictures of the examples shown, built once per set shown, not on every render.
  const pictures = useMemo(() => {
    const out = new Map<string, ImageData | null>();
    for (const id of exampleIds.split('\n')) {
      const display = embeddings[id]?.display;
      out.set(id, display && size > 0 ? new ImageData(new Uint8ClampedArray(display), size, size) : null);
    }
    return out;
  }, [exampleIds, embeddings, size]);
  const pictureOf = (id: string) => pictures.get(id) ?? null;
  return (
    <div className="concept-results" data-testid="concept-results" data-lost={lost} data-firing={matches.length}>
      {!current && (
        <p className="hint stale" data-testid="concepts-stale">
          These concepts were found for another model or another set of images; find them again for what is open now.
        </p>
      )}
      <div className="concepts-quality-row">
        <QualityTable result={result} />
        <SaeLossCurve before={result.analysis.pre.loss} after={result.analysis.post.loss} />
      </div>
      <p data-testid="concepts-summary">
        <strong>{matches.length - lost}</strong> of the {matches.length} concepts that fire before the connector have a counterpart after it;{' '}
        <strong>{lost}</strong> have none (co-activation below 0.3 with every concept after it, measured{' '}
        {result.analysis.matchedOn === 'patches'
          ? 'on corresponding patches: each token after the connector against the patches it was made from'
          : 'over the images'}
        ). Examples are the images where a concept is strongest{settings.level === 'pooled' ? '' : ' on average over their patches'}.{' '}
        {n < 50 && `With only ${n} images, co-activations are noisy: read the pairs as hints. `}
        {aligned
          ? 'Bridge score = co-activation × alignment of directions, the concept after the connector carried back by a linear map fitted on these images.'
          : 'The space after the connector is too wide to fit the map back here: pairs are matched by co-activation alone.'}
      </p>
      <ConceptLossSummary link={current ? lossLink : null} level={settings.level} />
      {recurrence && (
        <figure className="concepts-stability">
          <StabilityPlot frequency={matches.map(frequency)} recurrence={matches.map((m) => recurrence[m.pre]!)} />
          <figcaption className="hint">
            Each concept before the connector: how often it fires, and the cosine of its partner when the autoencoder is trained again with another seed (paired
            one to one, Hungarian). The paper finds that concepts which fire often recur and rare ones do not; the line marks 0.9.
          </figcaption>
        </figure>
      )}
      <div className="concepts-tools">
        <label>
          sort{' '}
          <select value={sort} data-testid="concepts-sort" onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="frequency">most frequent first</option>
            <option value="lost">lost first</option>
            <option value="bridge">best bridge first</option>
            {lossLink && <option value="loss">highest patch loss first</option>}
          </select>
        </label>
        <button
          type="button"
          className="small-button"
          data-testid="concepts-export"
          title="sae_pre.safetensors and sae_post.safetensors (loadable with safetensors; the forward pass is in sae.json) and concepts.csv"
          onClick={() => {
            const zip = conceptExportZip(result);
            downloadBytes(zip.name, zip.bytes, 'application/zip');
          }}
        >
          Export concepts
        </button>
        <input type="search" placeholder="name contains…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Find a concept by name" />
      </div>
      <ol className="concept-list">
        {visible.map(({ match, fires, examples }) => {
          return (
            <li key={match.pre} className={`concept-row${match.lost ? ' lost' : ''}`} data-testid="concept-row" data-lost={match.lost}>
              <div className="concept-head">
                <input
                  className="concept-name"
                  value={names[match.pre] ?? `concept ${match.pre}`}
                  aria-label={`Name of concept ${match.pre}`}
                  onChange={(e) => nameConcept(match.pre, e.target.value)}
                />
                <span className="hint">
                  fires on {percent(fires)} of {result.analysis.settings.level === 'pooled' ? 'images' : 'patches'}
                </span>
                {lossLink && Number.isFinite(lossOf(match.pre)) && (
                  <span className="hint" data-testid="concept-loss" title="Mean reconstruction loss of the patches where it fires, weighted by its activation">
                    loss where it fires {lossOf(match.pre).toFixed(3)}
                  </span>
                )}
                {recurrence && (
                  <span className="hint" data-testid="concept-recurrence">
                    recurs with another seed: cos {recurrence[match.pre]!.toFixed(2)}
                  </span>
                )}
                {match.lost ? (
                  <span className="hint">
                    <span className="badge lost-badge">lost</span>
                    {match.post !== null && ` closest after: concept ${match.post}, co-activation ${match.coActivation.toFixed(2)}`}
                  </span>
                ) : (
                  <span className="hint space-post">
                    → concept {match.post} after: co-activation {match.coActivation.toFixed(2)}
                    {aligned && `, alignment ${match.alignment.toFixed(2)}, bridge ${match.bridge.toFixed(2)}`}
                  </span>
                )}
              </div>
              <div className="concept-examples">
                {examples.map(({ row, value }) => {
                  const image = byId.get(result.ids[row]!);
                  if (!image) return null;
                  return (
                    <button
                      key={row}
                      type="button"
                      className="concept-example"
                      title={`${image.name}: mean activation ${value.toFixed(2)} over its patches`}
                      onClick={() => selectImage(image.id)}
                    >
                      {patchMaps ? (
                        <ConceptHeatmap
                          image={pictureOf(result.ids[row]!)}
                          activations={latentActivations(pre.codes, row * patchMaps.tokens, patchMaps.tokens, match.pre)}
                          grid={patchMaps.grid}
                          top={patchMaps.maxima[match.pre]!}
                          size={EXAMPLE_PIXELS}
                          label={`Where concept ${match.pre} fires on ${image.name}`}
                        />
                      ) : (
                        <img src={image.url} alt={image.name} />
                      )}
                    </button>
                  );
                })}
              </div>
            </li>
          );
        })}
      </ol>
      {filtered.length > shown && (
        <button type="button" className="small-button" onClick={() => setShown((s) => s + PAGE)}>
          Show more ({filtered.length - shown} left)
        </button>
      )}
    </div>
  );
}

/** The images where a concept fires most strongly, strongest first. */
function topImages(perImage: Float32Array, latents: number, concept: number, n: number, count: number): { row: number; value: number }[] {
  const all: { row: number; value: number }[] = [];
  for (let row = 0; row < n; row++) {
    const value = perImage[row * latents + concept]!;
    if (value > 0) all.push({ row, value });
  }
  return all.sort((a, b) => b.value - a.value || a.row - b.row).slice(0, count);
}
