import { useMemo, useState } from 'react';
import { K_MAX, K_MIN, readK, trivialKWarning } from '../core/knn/kChoice.ts';
import { labelIds, precisionAtK, precisionCeiling } from '../core/knn/precision.ts';
import type { Metric } from '../core/types.ts';
import type { KnorBaseline, KnorResult } from '../store/analysisStore.ts';
import { useAnalysis, useCollection, useModel, useUi } from '../store/hooks.ts';
import { uiStore } from '../store/uiStore.ts';
import { knorBins } from '../viz/histogram.ts';
import { KnorHistogram } from './KnorHistogram.tsx';
import { KnorMean } from './KnorMean.tsx';
import { FigureExport } from './FigureExport.tsx';
import { JobBar } from './JobBar.tsx';

/** KNOR follows these by subscription (store/neighbours.ts). */
function setKnorSettings(patch: Partial<{ k: number; metric: Metric; includeSelf: boolean }>): void {
  uiStore.setState(patch);
}

export function KnorPanel() {
  const knor = useAnalysis((s) => s.knor);
  const baseline = useAnalysis((s) => s.knorBaseline);
  const blocked = useAnalysis((s) => s.knorBlocked);
  const searchJob = useAnalysis((s) => s.searchJob);
  const k = useUi((s) => s.k);
  const metric = useUi((s) => s.metric);
  const includeSelf = useUi((s) => s.includeSelf);
  const selectedId = useUi((s) => s.selectedId);
  const images = useCollection((s) => s.images);

  // Retrieval by label before and after the connector, once two or more classes are labelled.
  const precision = useMemo(() => {
    if (!knor) return null;
    const labelOf = new Map(images.map((i) => [i.id, i.label]));
    const { ids, classes } = labelIds(knor.ids.map((id) => labelOf.get(id) ?? null));
    if (classes.length < 2) return null;
    const n = knor.ids.length;
    const pre = precisionAtK(knor.nnPre, n, knor.k, ids);
    const post = precisionAtK(knor.nnPost, n, knor.k, ids);
    const ceiling = precisionCeiling(ids, knor.k, knor.includeSelf);
    return { pre: pre.mean, post: post.mean, labelled: pre.labelled, classes: classes.length, ceiling };
  }, [knor, images]);

  // What was typed, while it is not a k (the field explains instead of snapping back).
  const [draft, setDraft] = useState<string | null>(null);
  const kProblem =
    draft === null
      ? null
      : (() => {
          const choice = readK(draft);
          return choice.ok ? null : choice.why;
        })();
  const trivialK = knor ? trivialKWarning(k, knor.ids.length, includeSelf) : null;

  const selectedIndex = knor && selectedId ? knor.ids.indexOf(selectedId) : -1;
  const selectedValue = knor && selectedIndex >= 0 ? knor.perImage[selectedIndex] : undefined;

  return (
    <div className="panel knor-panel" data-testid="knor-panel">
      <div className="panel-head">
        <h2>Neighbour overlap (KNOR)</h2>
        {knor && <FigureExport testId="knor-histogram" fileBase={`knor_histogram_k${knor.k}_${knor.metric}`} />}
      </div>
      {searchJob && <JobBar job={searchJob} testId="search-job" />}
      <div className="controls">
        <label>
          k
          <input
            type="number"
            min={K_MIN}
            max={K_MAX}
            value={draft ?? k}
            data-testid="k-input"
            aria-invalid={kProblem !== null}
            aria-describedby={kProblem ? 'k-problem' : undefined}
            onChange={(e) => {
              const choice = readK(e.target.value);
              setDraft(choice.ok ? null : e.target.value);
              if (choice.ok) setKnorSettings({ k: choice.k });
            }}
            onBlur={() => setDraft(null)}
          />
        </label>
        <label>
          distance
          <select value={metric} onChange={(e) => setKnorSettings({ metric: e.target.value as Metric })}>
            <option value="cosine">cosine</option>
            <option value="l2">squared L2</option>
          </select>
        </label>
        <label title="The paper's FAISS search counts each image as its own first neighbour, inflating overlap by 1/k.">
          <input type="checkbox" checked={includeSelf} onChange={(e) => setKnorSettings({ includeSelf: e.target.checked })} />
          paper-compatible (count self)
        </label>
      </div>
      {kProblem && (
        <p className="hint k-problem" id="k-problem" data-testid="k-problem" role="status">
          {kProblem}
        </p>
      )}
      {!kProblem && trivialK && (
        <p className="hint k-problem" data-testid="k-trivial">
          {trivialK}
        </p>
      )}
      {blocked && (
        <p className="hint" data-testid="knor-blocked">
          {blocked}
        </p>
      )}
      {!knor && !blocked && <KnorPending />}
      {knor && (
        <>
          <KnorMean knor={knor} testId="knor-mean" />
          <FirstLookNote knor={knor} />
          <RandomBaseline knor={knor} baseline={baseline} />
          {precision && (
            <p className="precision" data-testid="precision">
              precision@{knor.k} by label: <strong className="space-pre">{precision.pre.toFixed(3)}</strong> before →{' '}
              <strong className="space-post">{precision.post.toFixed(3)}</strong> after the connector ({precision.labelled} labelled images, {precision.classes}{' '}
              classes; at most <span data-testid="precision-ceiling">{precision.ceiling.mean.toFixed(3)}</span> with these class sizes)
            </p>
          )}
          {precision && precision.ceiling.limited > 0 && (
            <p className="hint" data-testid="precision-limited">
              k = {knor.k} is more than {precision.ceiling.limited === precision.labelled ? 'every' : 'some'} class can fill (the smallest has{' '}
              {precision.ceiling.smallestClass} image{precision.ceiling.smallestClass === 1 ? '' : 's'}): {precision.ceiling.limited} of {precision.labelled}{' '}
              images cannot reach precision 1 whatever the embedding, so compare the values with {precision.ceiling.mean.toFixed(3)}, not with 1.
            </p>
          )}
          <KnorHistogram knor={knor} highlight={selectedValue} testId="knor-histogram" />
          {selectedValue !== undefined && <HighlightedBar knor={knor} value={selectedValue} name={images.find((i) => i.id === selectedId)?.name ?? ''} />}
        </>
      )}
    </div>
  );
}

/** What the orange bar is: the selected image's overlap, and how many images share it. */
function HighlightedBar({ knor, value, name }: { knor: KnorResult; value: number; name: string }) {
  const kept = Math.round(value * knor.k);
  const bins = knorBins(knor.perImage, knor.k);
  const others = bins[kept]! - 1;
  const below = bins.slice(0, kept).reduce((a, b) => a + b, 0);
  return (
    <p className="hint" data-testid="histogram-highlight">
      <span className="swatch highlighted" aria-hidden="true" /> The highlighted bar holds the selected image, {name}: it keeps {kept} of its {knor.k}{' '}
      neighbours (KNOR {value.toFixed(2)}), as do {others} other image{others === 1 ? '' : 's'}; {below} image{below === 1 ? '' : 's'} keep fewer.
    </p>
  );
}

/** In KNOR's place until it can be computed: what it waits for, with the embedding job's count. */
function KnorPending() {
  const loading = useModel((s) => s.status === 'loading');
  const open = useModel((s) => s.status === 'ready');
  const job = useAnalysis((s) => s.embedJob);
  const images = useCollection((s) => s.images.length);
  const why = job
    ? `KNOR appears when the images are embedded: ${job.done} of ${job.total} so far.`
    : loading
      ? 'KNOR appears once the model has opened and embedded the images.'
      : open && images === 0
        ? 'Add images (drop them anywhere, or use the picker) to see which neighbours the connector keeps.'
        : null;
  if (!why) return null;
  return (
    <p className="hint knor-pending" data-testid="knor-pending" role="status">
      {why}
    </p>
  );
}

/** Whose vectors the numbers come from while the build's precomputed ones stand in, and what the check found (store/firstLook.ts). */
function FirstLookNote({ knor }: { knor: KnorResult }) {
  const firstLook = useAnalysis((s) => s.firstLook);
  const embedded = useAnalysis((s) => (s.firstLook ? s.firstLook.ids.filter((id) => s.embeddings[id]).length : 0));
  const modelFailed = useModel((s) => s.status === 'error');
  if (!firstLook) return null;
  // The model did not open: nothing will check the first look, and the note must not promise it.
  if (knor.source === 'first-look' && modelFailed)
    return (
      <p className="hint first-look unchecked" data-testid="first-look" data-status="unchecked" role="status">
        From embeddings precomputed when the app was built, not checked in this browser: the model could not be opened (the message above says why). Choose it
        again, or reload the page, to check them.
      </p>
    );
  if (knor.source === 'first-look')
    return (
      <p className="hint first-look" data-testid="first-look" data-status="provisional" role="status">
        From embeddings precomputed when the app was built, shown while this browser embeds the images itself to check them ({embedded} of{' '}
        {firstLook.ids.length} done).
      </p>
    );
  if (firstLook.check.status === 'provisional') return null;
  const { status, maxDifference, compared } = firstLook.check;
  return (
    <p className={`hint first-look ${status}`} data-testid="first-look" data-status={status} data-max-difference={maxDifference}>
      {status === 'verified'
        ? `Checked: this browser's embeddings of the ${compared} images reproduce the precomputed ones shown first (${maxDifference === 0 ? 'bit for bit' : `largest difference ${maxDifference.toPrecision(2)}, relative`}); every number here is this browser's.`
        : `This browser's embeddings differ from the precomputed ones shown first (largest difference ${maxDifference.toPrecision(2)}, relative); the numbers now shown are this browser's.`}
    </p>
  );
}

/** What a random linear map of the connector's shape keeps, beside the measured mean (core/knn/randomBaseline.ts). */
function RandomBaseline({ knor, baseline }: { knor: KnorResult; baseline: KnorBaseline | null }) {
  const current = baseline && baseline.k === knor.k && baseline.metric === knor.metric && baseline.includeSelf === knor.includeSelf ? baseline : null;
  if (!current) return <p className="hint baseline">Random-map baseline: computing…</p>;
  if (!current.means) return <p className="hint baseline">Random-map baseline: not computed for a set this large in the browser.</p>;
  const mean = current.means.reduce((a, b) => a + b, 0) / current.means.length;
  const low = Math.min(...current.means);
  const high = Math.max(...current.means);
  return (
    <p
      className="hint baseline"
      data-testid="knor-baseline"
      title="Each image's neighbours after a random Gaussian linear map of the pooled vectors to the connector's output size, compared with its neighbours before. A connector below this reorders neighbours more than a random projection of the same shape would."
    >
      A random linear map of the same shape keeps <strong data-testid="knor-baseline-mean">{mean.toFixed(3)}</strong> ({current.means.length} draws,{' '}
      {low.toFixed(3)}–{high.toFixed(3)}); this connector keeps {knor.mean.toFixed(3)}.
    </p>
  );
}
