import { useMemo } from 'react';
import { blockSize, patchesOfPostToken, postTokenOfPatch } from '../../core/geometry/connectorGeometry.ts';
import { connectorName, connectorStory } from '../../core/lecture/connectorStory.ts';
import { patchesRect } from '../../viz/patchGridPainter.ts';
import { GridCanvas, LECTURE_CANVAS } from './GridCanvas.tsx';
import { TokenStrip } from './TokenStrip.tsx';
import type { EncoderView } from './useEncoderView.ts';
import { useTokenRow } from './useTokenRow.ts';

export function ConnectorStep({ view }: { view: EncoderView }) {
  const { manifest, imageId, crop, grid, patch } = view;
  const { connector, tokens } = manifest;
  // The token the outlined patch feeds, and the block of patches it is made from; the perceiver
  // has no such block (every query sees every patch), so it shows its first query's token.
  const token = postTokenOfPatch(connector, grid, patch);
  const outline = useMemo(
    () => (token === null ? null : patchesRect(patchesOfPostToken(connector, grid, token), LECTURE_CANVAS, LECTURE_CANVAS, grid)),
    [connector, grid, token],
  );
  const shown = token ?? 0;
  const block = blockSize(connector);
  const values = useTokenRow(imageId, 'post', shown);
  return (
    <div className="lecture-row">
      <figure className="lecture-figure">
        <GridCanvas image={crop} grid={grid} block={block} outline={outline} testId="lecture-connector-canvas" />
      </figure>
      <div className="lecture-facts">
        <p className="lecture-fact-big" data-testid="lecture-connector-family">
          {connectorName(connector.family)}
        </p>
        <p>{connectorStory(connector)}</p>
        <p className="lecture-shape" data-testid="lecture-connector-shape">
          {tokens.pre} × {tokens.dPre} → {tokens.post} × {tokens.dPost}
        </p>
        <p>
          T {tokens.pre} → T′ {tokens.post} tokens · d<sub>v</sub> {tokens.dPre} → d<sub>l</sub> {tokens.dPost} numbers
        </p>
        <TokenStrip
          values={values}
          length={tokens.dPost}
          label={
            token === null
              ? `Output token 1 of ${tokens.post}: ${tokens.dPost} numbers, drawn from the whole image`
              : `The token the outlined ${block !== null && block > 1 ? 'block' : 'patch'} becomes: ${tokens.dPost} numbers`
          }
          space="post"
          testId="lecture-post-token"
        />
      </div>
    </div>
  );
}
