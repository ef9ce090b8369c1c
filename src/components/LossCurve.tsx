import { useEffect, useRef } from 'react';
import type { TrainingState } from '../store/analysisStore.ts';
import { renderLossCurve } from '../viz/lossCurve.ts';

const WIDTH = 360;
const HEIGHT = 170;

/** Training and validation loss per epoch; the viewBox lets CSS scale it (the lecture). */
export function LossCurve({ training, testId }: { training: TrainingState; testId: string }) {
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (!svg.current || training.trainLoss.length === 0) return;
    renderLossCurve(svg.current, {
      train: training.trainLoss,
      validation: training.valLoss,
      bestEpoch: training.bestEpoch,
      width: WIDTH,
      height: HEIGHT,
      yLabel: 'MSE (standardised)',
    });
  }, [training]);
  if (training.trainLoss.length === 0) return null;
  return (
    <svg
      ref={svg}
      className="loss-curve"
      data-testid={testId}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Training and validation loss per epoch"
    />
  );
}
