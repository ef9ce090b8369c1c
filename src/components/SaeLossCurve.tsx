import { useEffect, useRef } from 'react';
import { renderSaeLossCurve } from '../viz/saeLossCurve.ts';

const WIDTH = 360;
const HEIGHT = 170;

/** The two autoencoders' training loss per step (viz/saeLossCurve.ts); nothing for imported ones, which were not trained here. */
export function SaeLossCurve({ before, after }: { before: readonly number[]; after: readonly number[] }) {
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (svg.current && before.length + after.length > 0) renderSaeLossCurve(svg.current, { before, after, width: WIDTH, height: HEIGHT });
  }, [before, after]);
  if (before.length + after.length === 0) return null;
  return (
    <svg
      ref={svg}
      data-testid="concepts-loss-curve"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Training loss of the autoencoders before and after the connector, per step"
    />
  );
}
