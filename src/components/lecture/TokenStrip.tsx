import { useEffect, useRef } from 'react';
import { paintTokenStrip, stripLayout } from '../../viz/tokenStrip.ts';

/** Canvas pixels per number; CSS scales the strip down when d is large. */
const CELL = 20;

/** One token's numbers as coloured cells (viz/tokenStrip). */
export function TokenStrip({ values, label, space, testId }: { values: Float32Array; label: string; space: 'pre' | 'post'; testId: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [rows, cols] = stripLayout(values.length);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) paintTokenStrip(ctx, values, cols * CELL, rows * CELL);
  }, [values, rows, cols]);
  return (
    <figure className={`lecture-token space-${space}`}>
      <canvas ref={canvas} width={cols * CELL} height={rows * CELL} data-testid={testId} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
