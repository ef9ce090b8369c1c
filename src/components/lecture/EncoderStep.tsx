import { useMemo } from 'react';
import { patchRect } from '../../viz/heatmapPainter.ts';
import { GridCanvas, LECTURE_CANVAS } from './GridCanvas.tsx';
import { TokenStrip } from './TokenStrip.tsx';
import type { EncoderView } from './useEncoderView.ts';
import { useTokenRow } from './useTokenRow.ts';

export function EncoderStep({ view }: { view: EncoderView }) {
  const { manifest, imageId, crop, grid, patch } = view;
  const { size, patchSize } = manifest.image;
  const { pre, dPre } = manifest.tokens;
  const outline = useMemo(() => patchRect(patch, LECTURE_CANVAS, LECTURE_CANVAS, grid), [patch, grid]);
  const row = Math.floor(patch / grid[1]);
  const col = patch % grid[1];
  const token = useTokenRow(imageId, 'pre', patch);
  return (
    <div className="lecture-row">
      <figure className="lecture-figure">
        <GridCanvas image={crop} grid={grid} block={null} outline={outline} testId="lecture-encoder-canvas" />
      </figure>
      <div className="lecture-facts">
        <p>
          {size} × {size} px, cut into {grid[0]} × {grid[1]} patches of {patchSize} px
        </p>
        <p className="lecture-shape" data-testid="lecture-encoder-shape">
          T × d<sub>v</sub> = {pre} × {dPre}
        </p>
        <p>one token per patch, {dPre} numbers each</p>
        <TokenStrip
          values={token}
          length={dPre}
          label={`The outlined patch (${row}, ${col}) as a token: ${dPre} numbers`}
          space="pre"
          testId="lecture-pre-token"
        />
      </div>
    </div>
  );
}
