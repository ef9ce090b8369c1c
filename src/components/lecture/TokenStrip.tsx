import { useEffect, useRef } from 'react';
import { paintTokenStrip, stripLayout } from '../../viz/tokenStrip.ts';

/** Canvas pixels per number; CSS scales the strip down when d is large. */
const CELL = 20;

/** One token's numbers as coloured cells (viz/tokenStrip); `values` null while they are fetched (an empty strip of `length` cells). */
export function TokenStrip({
  values,
  length,
  label,
  space,
  testId,
}: {
  values: Float32Array | null;
  length: number;
  label: string;
  space: 'pre' | 'post';
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [rows, cols] = stripLayout(length);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    if (values) paintTokenStrip(ctx, values, cols * CELL, rows * CELL);
    else ctx.clearRect(0, 0, cols * CELL, rows * CELL);
  }, [values, rows, cols]);
  return (
    <figure className={`lecture-token space-${space}`}>
      <canvas ref={canvas} width={cols * CELL} height={rows * CELL} data-testid={testId} data-ready={values !== null} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
