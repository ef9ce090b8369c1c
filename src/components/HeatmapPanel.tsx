import { useState } from 'react';
import { postTokenOfPatch } from '../core/geometry/connectorGeometry.ts';
import { useCollection, useModel, useUi } from '../store/hooks.ts';
import { uiStore } from '../store/uiStore.ts';
import type { PatchHit } from '../viz/heatmapPainter.ts';
import { HeatmapCanvas } from './HeatmapCanvas.tsx';
import { LossColorBar } from './LossColorBar.tsx';
import { useHeatmapView } from './useHeatmapView.ts';

const VIEW = 336;

export function HeatmapPanel() {
  const view = useHeatmapView();
  const { reconstruction, row, losses, grid } = view;
  const manifest = useModel((s) => s.manifest);
  const selectedId = useUi((s) => s.selectedId);
  const opacity = useUi((s) => s.overlayOpacity);
  const images = useCollection((s) => s.images);
  const [hover, setHover] = useState<PatchHit | null>(null);

  if (!reconstruction) {
    return (
      <div className="panel heatmap-panel">
        <h2>Where information is lost</h2>
        <p className="hint">Train the reconstructor to see per-patch loss over each image.</p>
      </div>
    );
  }
  const name = images.find((i) => i.id === selectedId)?.name ?? '';
  const imageLoss = row >= 0 ? reconstruction.perImage[row] : undefined;
  const hoverValue = hover && losses ? losses[hover.index] : undefined;
  const hoverToken = hover && manifest && grid ? postTokenOfPatch(manifest.connector, grid, hover.index) : null;
  const tokenNote = manifest?.connector.family === 'perceiver' ? ' · no single post token: every query attends to it' : hoverToken !== null ? ` · feeds post token ${hoverToken}` : '';
  return (
    <div className="panel heatmap-panel" data-testid="heatmap-panel">
      <div className="panel-head">
        <h2>Where information is lost</h2>
        <span>
          {name}
          {imageLoss !== undefined && <> · image loss {imageLoss.toFixed(3)}</>}
          {selectedId && reconstruction.validationIds.has(selectedId) ? ' · held out' : ' · training image'}
        </span>
      </div>
      {row < 0 ? (
        <p className="hint">This image was not part of the last training run; retrain to include it.</p>
      ) : (
        <HeatmapCanvas view={view} size={VIEW} opacity={opacity} highlight={hover?.index ?? null} testId="heatmap-canvas" onHover={setHover} />
      )}
      <p className="readout" data-testid="heatmap-readout">
        {hover && hoverValue !== undefined ? `patch (${hover.row}, ${hover.col}) #${hover.index}: ${hoverValue.toFixed(4)}${tokenNote}` : 'hover a patch to read its loss'}
      </p>
      <LossColorBar domain={view.domain} width={VIEW} />
      <label className="opacity">
        overlay opacity
        <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="opacity-slider" onChange={(e) => uiStore.setState({ overlayOpacity: Number(e.target.value) })} />
      </label>
    </div>
  );
}
