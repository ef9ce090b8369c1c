import { useEffect, useMemo, useRef, useState } from 'react';
import { postTokenOfPatch } from '../core/geometry/connectorGeometry.ts';
import { useAnalysis, useCollection, useModel, useUi } from '../store/hooks.ts';
import { uiStore } from '../store/uiStore.ts';
import { renderColorBar } from '../viz/colorBar.ts';
import { buildLut, lossColorScale, robustMax } from '../viz/colorScale.ts';
import { createFrameScheduler } from '../viz/frameScheduler.ts';
import { paintHeatmap, patchAt } from '../viz/heatmapPainter.ts';

const VIEW = 336;

export function HeatmapPanel() {
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const embeddings = useAnalysis((s) => s.embeddings);
  const manifest = useModel((s) => s.manifest);
  const selectedId = useUi((s) => s.selectedId);
  const opacity = useUi((s) => s.overlayOpacity);
  const images = useCollection((s) => s.images);
  const canvas = useRef<HTMLCanvasElement>(null);
  const bar = useRef<SVGSVGElement>(null);
  const [hover, setHover] = useState<{ index: number; row: number; col: number } | null>(null);

  const row = reconstruction && selectedId ? reconstruction.ids.indexOf(selectedId) : -1;
  // One colour domain for the whole collection, so images can be compared by eye.
  const domain = useMemo<[number, number]>(() => [0, reconstruction ? robustMax(reconstruction.perPatch) : 1], [reconstruction]);
  const lut = useMemo(() => buildLut(lossColorScale(domain), 256), [domain]);
  const losses = reconstruction && row >= 0 ? reconstruction.perPatch.subarray(row * reconstruction.tokens, (row + 1) * reconstruction.tokens) : null;
  const size = manifest?.image.size ?? 0;
  const display = selectedId ? embeddings[selectedId]?.display : undefined;
  // Built once per image, not on every hover redraw.
  const image = useMemo(() => (display && size > 0 ? new ImageData(new Uint8ClampedArray(display), size, size) : null), [display, size]);
  const grid = manifest?.image.grid;

  const draw = useRef<() => void>(() => undefined);
  draw.current = () => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx || !losses || !grid) return;
    paintHeatmap(ctx, { image, losses, grid: [grid[0], grid[1]], domain, opacity, width: VIEW, height: VIEW, highlight: hover?.index ?? null, lut });
  };
  const scheduler = useMemo(() => createFrameScheduler(() => draw.current()), []);
  useEffect(() => {
    scheduler.request();
  }, [scheduler, losses, image, opacity, hover, domain]);
  useEffect(() => () => scheduler.cancel(), [scheduler]);

  useEffect(() => {
    if (bar.current && reconstruction) renderColorBar(bar.current, { domain, label: 'patch MSE, standardised units (scale tops at the 99th percentile)', width: VIEW, height: 46, ticks: 5, clippedTop: true });
  }, [domain, reconstruction]);

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
  const hoverToken = hover && manifest && grid ? postTokenOfPatch(manifest.connector, [grid[0], grid[1]], hover.index) : null;
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
        <canvas
          ref={canvas}
          width={VIEW}
          height={VIEW}
          data-testid="heatmap-canvas"
          onMouseMove={(e) => {
            if (!grid) return;
            const rect = e.currentTarget.getBoundingClientRect();
            setHover(patchAt(((e.clientX - rect.left) * VIEW) / rect.width, ((e.clientY - rect.top) * VIEW) / rect.height, VIEW, VIEW, [grid[0], grid[1]]));
          }}
          onMouseLeave={() => setHover(null)}
        />
      )}
      <p className="readout" data-testid="heatmap-readout">
        {hover && hoverValue !== undefined ? `patch (${hover.row}, ${hover.col}) #${hover.index}: ${hoverValue.toFixed(4)}${tokenNote}` : 'hover a patch to read its loss'}
      </p>
      <svg ref={bar} className="color-bar-svg" width={VIEW} height={46} />
      <label className="opacity">
        overlay opacity
        <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="opacity-slider" onChange={(e) => uiStore.setState({ overlayOpacity: Number(e.target.value) })} />
      </label>
    </div>
  );
}
