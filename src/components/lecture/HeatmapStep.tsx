import { useMemo } from 'react';
import { useUi } from '../../store/hooks.ts';
import { HeatmapCanvas } from '../HeatmapCanvas.tsx';
import { LossColorBar } from '../LossColorBar.tsx';
import type { HeatmapView } from '../useHeatmapView.ts';
import { LECTURE_CANVAS } from './GridCanvas.tsx';
import { imageSplit } from '../../store/reconstructionSplit.ts';

const STEP_SPLIT_TEXT = {
  validation: 'Held out: the reconstructor never saw this image.',
  added: 'Added after training: the reconstructor never saw this image.',
  train: 'A training image: the reconstructor saw it.',
} as const;

/** Index of the largest finite value, or null. */
function worst(losses: Float32Array): number | null {
  let at: number | null = null;
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i]!;
    if (Number.isFinite(v) && (at === null || v > losses[at]!)) at = i;
  }
  return at;
}

export function HeatmapStep({ view }: { view: HeatmapView }) {
  const opacity = useUi((s) => s.overlayOpacity);
  const selectedId = useUi((s) => s.selectedId);
  const { reconstruction, row, losses, grid } = view;
  const top = useMemo(() => (losses ? worst(losses) : null), [losses]);
  const imageLoss = reconstruction && row >= 0 ? reconstruction.perImage[row] : undefined;
  const cols = grid?.[1] ?? 1;
  return (
    <div className="lecture-row">
      <figure className="lecture-figure">
        <HeatmapCanvas view={view} size={LECTURE_CANVAS} opacity={opacity} highlight={top} testId="lecture-heatmap-canvas" />
      </figure>
      <div className="lecture-facts">
        {imageLoss !== undefined && (
          <p className="lecture-fact-big" data-testid="lecture-image-loss">
            image loss {imageLoss.toFixed(3)}
          </p>
        )}
        <p>{STEP_SPLIT_TEXT[selectedId && reconstruction ? imageSplit(reconstruction, selectedId) : 'train']}</p>
        {top !== null && losses && (
          <p>
            outlined: the worst patch, ({Math.floor(top / cols)}, {top % cols}), loss {losses[top]!.toFixed(3)}
          </p>
        )}
        <figure className="lecture-chart lecture-color-bar">
          <LossColorBar domain={view.domain} width={360} />
        </figure>
      </div>
    </div>
  );
}
