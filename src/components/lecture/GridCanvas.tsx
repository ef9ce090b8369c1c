import { useEffect, useRef } from 'react';
import { paintPatchGrid, type Rect } from '../../viz/patchGridPainter.ts';

export const LECTURE_CANVAS = 560;

/** The encoder's crop with its patch grid (and a connector's blocks), drawn by viz/patchGridPainter. */
export function GridCanvas({
  image,
  grid,
  block,
  outline,
  testId,
}: {
  image: ImageData | null;
  grid: readonly [number, number];
  block: number | null;
  outline: Rect | null;
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) paintPatchGrid(ctx, { image, grid, width: LECTURE_CANVAS, height: LECTURE_CANVAS, block, outline });
  }, [image, grid, block, outline]);
  return (
    <canvas
      ref={canvas}
      width={LECTURE_CANVAS}
      height={LECTURE_CANVAS}
      data-testid={testId}
      role="img"
      aria-label={`The image cut into ${grid[0]} × ${grid[1]} patches`}
    />
  );
}
