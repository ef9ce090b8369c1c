import { useEffect, useRef } from 'react';
import type { KnorResult } from '../store/analysisStore.ts';
import { renderKnorHistogram } from '../viz/histogram.ts';

const WIDTH = 360;
const HEIGHT = 180;

/**
 * Per-image KNOR, the selected image's bar highlighted. Drawn at one size; the viewBox lets CSS
 * scale it (the lecture shows it presentation-sized, text included).
 */
export function KnorHistogram({ knor, highlight, testId }: { knor: KnorResult; highlight: number | undefined; testId: string }) {
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (!svg.current) return;
    renderKnorHistogram(svg.current, {
      values: knor.perImage,
      k: knor.k,
      mean: knor.mean,
      width: WIDTH,
      height: HEIGHT,
      ...(highlight !== undefined ? { highlight } : {}),
    });
  }, [knor, highlight]);
  return (
    <svg
      ref={svg}
      className="histogram"
      data-testid={testId}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Histogram of per-image KNOR"
    />
  );
}
