import { useEffect, useRef } from 'react';
import { renderColorBar } from '../viz/colorBar.ts';

const HEIGHT = 46;

/** The loss colour scale with its axis; the viewBox lets CSS scale it (the lecture). */
export function LossColorBar({ domain, width }: { domain: readonly [number, number]; width: number }) {
  const bar = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (bar.current)
      renderColorBar(bar.current, {
        domain,
        label: 'patch MSE, standardised units (scale tops at the 99th percentile)',
        width,
        height: HEIGHT,
        ticks: 5,
        clippedTop: true,
      });
  }, [domain, width]);
  return <svg ref={bar} className="color-bar-svg" width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} />;
}
