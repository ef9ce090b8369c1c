import { useRef } from 'react';
import { errorText, userMessage } from '../core/errors.ts';
import { PERMUTATIONS, type PooledRegionStats, type RegionStats } from '../core/patches/regionAnalysis.ts';
import { parseCocoRegions } from '../core/patches/regionImport.ts';
import { useAnalysis, useRegions } from '../store/hooks.ts';
import { applyImportedRegions, clearBoxes, regionsStore, resultsFresh } from '../store/regions.ts';
import { say } from '../store/uiStore.ts';
import { HiddenFileInput } from './HiddenFileInput.tsx';

const percent = (v: number) => `${Math.round(v * 100)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
const pText = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

async function importRegions(file: File): Promise<void> {
  try {
    await applyImportedRegions(parseCocoRegions(JSON.parse(await file.text())), file.name);
  } catch (error) {
    say('error', userMessage(error, `${file.name} could not be read as regions (COCO-style JSON). Nothing was changed.`), { details: errorText(error) });
  }
}

/** Draw, clear and import regions; what the loss does inside the selected image's region and over every image with one. */
export function RegionTools({ imageId }: { imageId: string }) {
  const drawing = useRegions((s) => s.drawing);
  const hasBoxes = useRegions((s) => (s.boxes[imageId]?.length ?? 0) > 0);
  const results = useRegions((s) => s.results);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const failed = useRegions((s) => s.failed);
  // Results of other boxes or another reconstruction are never shown as these.
  const fresh = useRegions((s) => resultsFresh(s, reconstruction));
  const file = useRef<HTMLInputElement>(null);
  const stats = fresh && results ? results.perImage[imageId] : undefined;
  return (
    <div className="region-tools" data-testid="region-tools">
      <div className="region-buttons">
        <button
          type="button"
          className="small-button"
          aria-pressed={drawing}
          data-testid="region-draw"
          onClick={() => regionsStore.setState({ drawing: !drawing })}
        >
          {drawing ? 'Done drawing' : 'Draw region'}
        </button>
        {hasBoxes && (
          <button type="button" className="small-button" data-testid="region-clear" onClick={() => clearBoxes(imageId)}>
            Clear region
          </button>
        )}
        <button type="button" className="small-button" data-testid="region-import" onClick={() => file.current?.click()}>
          Import regions…
        </button>
        <HiddenFileInput inputRef={file} testId="region-file" accept=".json,application/json" onFiles={([chosen]) => void importRegions(chosen!)} />
      </div>
      {drawing && <p className="hint">Drag over the image to mark a region (several boxes make one region).</p>}
      {hasBoxes && <ImageRegionLine stats={stats} failed={failed} />}
      {fresh && results?.pooled && <PooledLine pooled={results.pooled} />}
    </div>
  );
}

function ImageRegionLine({ stats, failed }: { stats: RegionStats | null | undefined; failed: boolean }) {
  if (stats === undefined)
    return (
      <p className="hint" data-testid="region-stats-pending">
        {failed ? 'Region statistics could not be computed (the message above says why); change the region to try again.' : 'Region statistics: computing…'}
      </p>
    );
  if (stats === null)
    return (
      <p className="hint" data-testid="region-stats" data-empty="true">
        The region covers no patch centre, or all of them: nothing to compare. Draw a box over part of the image.
      </p>
    );
  return (
    <p
      className="region-stats"
      data-testid="region-stats"
      data-mean-inside={stats.meanInside}
      data-mean-outside={stats.meanOutside}
      data-top-inside={stats.topInside}
      data-p={stats.pValue}
      data-inside={stats.inside}
    >
      Region: {stats.inside} of {stats.patches} patches. Mean loss inside <strong>{stats.meanInside.toFixed(3)}</strong> vs outside{' '}
      <strong>{stats.meanOutside.toFixed(3)}</strong> ({signed(stats.difference)}); {stats.topInside} of the {stats.topCount} highest-loss patches inside (
      {percent(stats.topShare)}, chance {percent(stats.inside / stats.patches)}); permutation p = <strong>{pText(stats.pValue)}</strong> (
      {stats.exact ? 'every arrangement' : `${PERMUTATIONS.toLocaleString('en')} random arrangements`}, one-sided).
    </p>
  );
}

function PooledLine({ pooled }: { pooled: PooledRegionStats }) {
  return (
    <p className="region-stats pooled" data-testid="region-pooled" data-images={pooled.images} data-p={pooled.pValue}>
      Over {pooled.images} image{pooled.images === 1 ? '' : 's'} with regions: mean difference {signed(pooled.meanDifference)}; top-10% patches inside{' '}
      {percent(pooled.topShare)} (chance {percent(pooled.insideShare)}); p = <strong>{pText(pooled.pValue)}</strong> (each image's patches permuted within it).
    </p>
  );
}
