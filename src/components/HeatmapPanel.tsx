import { useState } from 'react';
import { hasPatchRegions, postTokenOfPatch } from '../core/geometry/connectorGeometry.ts';
import { imageSplit } from '../store/reconstructionSplit.ts';
import type { ReconstructionResult } from '../store/analysisStore.ts';
import { useAnalysis, useCollection, useModel, useUi } from '../store/hooks.ts';
import { say, uiStore } from '../store/uiStore.ts';
import type { PatchHit } from '../viz/heatmapPainter.ts';
import { HeatmapCanvas } from './HeatmapCanvas.tsx';
import { LossColorBar } from './LossColorBar.tsx';
import { RegionOverlay } from './RegionOverlay.tsx';
import { RegionTools } from './RegionTools.tsx';
import { useHeatmapView, type HeatmapView } from './useHeatmapView.ts';
import { heatmapFigurePainter } from '../viz/figureExport.ts';
import { safeFileName } from '../store/sessionExport.ts';
import { downloadBytes } from './download.ts';
import { errorText } from '../core/errors.ts';

const VIEW = 336;

async function saveHeatmap(view: HeatmapView, opacity: number, name: string): Promise<void> {
  if (!view.losses || !view.grid) return;
  try {
    const paint = await heatmapFigurePainter(document, view.domain);
    const png = await paint({ image: view.image, losses: view.losses, grid: view.grid, domain: view.domain, lut: view.lut, opacity });
    downloadBytes(`heatmap_${safeFileName(name, new Set())}.png`, png, 'image/png');
  } catch (error) {
    say('error', 'The heatmap could not be saved as PNG. Try "Export session" instead.', { details: errorText(error) });
  }
}

const SPLIT_LABELS = { validation: ' · held out', added: ' · added after training', train: ' · training image' } as const;
/**
 * How far to trust this image's heatmap: a held-out image's loss is what the reconstructor could not
 * recover on an image it never saw, as is an image added after training; a training image's
 * understates it. Each is placed among the held-out images' losses, with the run's validation loss.
 */
function HeatmapConfidence({ reconstruction, imageId, imageLoss }: { reconstruction: ReconstructionResult; imageId: string; imageLoss: number }) {
  const split = imageSplit(reconstruction, imageId);
  const heldOut = split === 'validation';
  const added = split === 'added';
  const validationLosses = reconstruction.ids.flatMap((id, r) => (reconstruction.validationIds.has(id) && id !== imageId ? [reconstruction.perImage[r]!] : []));
  const below = validationLosses.filter((v) => v < imageLoss).length;
  const valLoss = reconstruction.run.bestValLoss;
  const rank =
    validationLosses.length > 0
      ? ` Its loss is above ${Math.round((100 * below) / validationLosses.length)}% of the ${validationLosses.length} ${heldOut ? 'other ' : ''}held-out images'.`
      : '';
  return (
    <p className={`hint heatmap-confidence${heldOut || added ? '' : ' training'}`} data-testid="heatmap-confidence" data-held-out={heldOut} data-added={added}>
      {heldOut
        ? `Held out from training: the fair read of what this connector lost here${valLoss !== null ? ` (validation loss of the run ${valLoss.toFixed(3)})` : ''}.`
        : added
          ? `Added after training and scored by the trained reconstructor, which never saw it: a fair read of what this connector lost here${valLoss !== null ? ` (validation loss of the run ${valLoss.toFixed(3)})` : ''}.`
          : `A training image: the reconstructor saw it, so its loss understates what the connector lost; trust held-out images more${valLoss !== null ? ` (validation loss of the run ${valLoss.toFixed(3)})` : ''}.`}
      {rank}
    </p>
  );
}

export function HeatmapPanel() {
  const view = useHeatmapView();
  const { reconstruction, row, losses, grid } = view;
  const manifest = useModel((s) => s.manifest);
  const isBlockStore = useModel((s) => s.origin?.kind === 'block-store');
  const selectedId = useUi((s) => s.selectedId);
  const opacity = useUi((s) => s.overlayOpacity);
  const images = useCollection((s) => s.images);
  const [hover, setHover] = useState<PatchHit | null>(null);
  const embedJob = useAnalysis((s) => s.embedJob);
  const modelLoading = useModel((s) => s.status === 'loading');

  if (!reconstruction) {
    return (
      <div className="panel heatmap-panel">
        <h2>Where information is lost</h2>
        <p className="hint" data-testid="heatmap-pending">
          {embedJob
            ? `Heatmaps need this browser's embeddings of the images: ${embedJob.done} of ${embedJob.total} embedded so far.`
            : modelLoading
              ? "Heatmaps need this browser's embeddings of the images: the model is opening."
              : 'Train the reconstructor to see per-patch loss over each image.'}
        </p>
      </div>
    );
  }
  const name = images.find((i) => i.id === selectedId)?.name ?? '';
  const imageLoss = row >= 0 ? reconstruction.perImage[row] : undefined;
  const hoverValue = hover && losses ? losses[hover.index] : undefined;
  const hoverToken = hover && manifest && grid ? postTokenOfPatch(manifest.connector, grid, hover.index) : null;
  // A block store does not say which connector made it, so no patch is tied to a post token. A
  // family without fixed regions (the perceiver) ties none either: every post token sees every patch.
  const tokenNote = isBlockStore
    ? ''
    : manifest && !hasPatchRegions(manifest.connector)
      ? ' · no single post token: every query attends to it'
      : hoverToken !== null
        ? ` · feeds post token ${hoverToken}`
        : '';
  return (
    <div className="panel heatmap-panel" data-testid="heatmap-panel">
      <div className="panel-head">
        <h2>Where information is lost</h2>
        <span>
          {name}
          {imageLoss !== undefined && <> · image loss {imageLoss.toFixed(3)}</>}
          {SPLIT_LABELS[selectedId ? imageSplit(reconstruction, selectedId) : 'train']}
        </span>
        {losses && grid && (
          <button
            type="button"
            className="small-button"
            data-testid="heatmap-png"
            title="Save this heatmap with its colour bar as PNG"
            onClick={() => void saveHeatmap(view, opacity, name)}
          >
            PNG
          </button>
        )}
      </div>
      {row >= 0 && imageLoss !== undefined && selectedId && <HeatmapConfidence reconstruction={reconstruction} imageId={selectedId} imageLoss={imageLoss} />}
      {row < 0 ? (
        <p className="hint" data-testid="heatmap-unscored">
          No loss for this image yet: the trained reconstructor scores each image once it is embedded here.
        </p>
      ) : (
        <div className="heatmap-stack">
          <HeatmapCanvas view={view} size={VIEW} opacity={opacity} highlight={hover?.index ?? null} testId="heatmap-canvas" onHover={setHover} />
          {selectedId && <RegionOverlay imageId={selectedId} />}
        </div>
      )}
      <p className="readout" data-testid="heatmap-readout">
        {hover && hoverValue !== undefined
          ? `patch (${hover.row}, ${hover.col}) #${hover.index}: ${hoverValue.toFixed(4)}${tokenNote}`
          : 'hover a patch to read its loss'}
      </p>
      <LossColorBar domain={view.domain} width={VIEW} />
      <label className="opacity">
        overlay opacity
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          data-testid="opacity-slider"
          onChange={(e) => uiStore.setState({ overlayOpacity: Number(e.target.value) })}
        />
      </label>
      {selectedId && row >= 0 && <RegionTools imageId={selectedId} />}
    </div>
  );
}
