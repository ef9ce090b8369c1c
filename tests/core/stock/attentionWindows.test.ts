/**
 * Qwen2.5-VL's window order (attentionWindows.ts) against a second formulation of the tower's own
 * procedure: pad the block grid with empty slots up to whole windows, cut it into windows, read
 * each window row-major and drop the empty slots. The hooked transformers tower itself is the
 * reference in tests/tools/hfStock.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { attentionWindowsOf, fromWindowOrder, windowOrder } from '../../../src/core/stock/attentionWindows.ts';

function paddedWindowOrder(blockRows: number, blockCols: number, span: number): number[] {
  const paddedRows = Math.ceil(blockRows / span) * span;
  const paddedCols = Math.ceil(blockCols / span) * span;
  const slot = (r: number, c: number) => (r < blockRows && c < blockCols ? r * blockCols + c : -1);
  const out: number[] = [];
  for (let w = 0; w < (paddedRows / span) * (paddedCols / span); w++) {
    const wr = Math.floor(w / (paddedCols / span));
    const wc = w % (paddedCols / span);
    for (let i = 0; i < span * span; i++) out.push(slot(wr * span + Math.floor(i / span), wc * span + (i % span)));
  }
  return out.filter((b) => b >= 0);
}

describe('Qwen2.5-VL attention windows', () => {
  it('reads the window span from config.json, and only for qwen2_5_vl', () => {
    // Qwen2.5-VL-7B: window 112 px, patch 14, merge 2 -> windows of 4 x 4 blocks.
    const real = { model_type: 'qwen2_5_vl', vision_config: { window_size: 112, patch_size: 14, spatial_merge_size: 2 } };
    expect(attentionWindowsOf(real)).toEqual({ mergeSize: 2, blocksPerWindow: 4 });
    expect(attentionWindowsOf({ ...real, model_type: 'qwen2_vl' })).toBeNull();
    expect(attentionWindowsOf({ model_type: 'qwen2_5_vl', vision_config: { patch_size: 14, spatial_merge_size: 2 } })).toBeNull();
    expect(attentionWindowsOf(null)).toBeNull();
  });

  it.each([
    [24, 24, 4], // the app's 336 px analysis of Qwen2.5-VL: 12 x 12 blocks, 3 x 3 whole windows
    [42, 42, 2], // 21 x 21 blocks: the last row and column of windows cut short
    [10, 14, 3],
    [4, 4, 8], // one window larger than the grid
  ])('grid %i x %i, windows of %i blocks: a permutation equal to the padded-window reading', (rows, cols, span) => {
    const order = windowOrder([rows, cols], { mergeSize: 2, blocksPerWindow: span });
    expect(Array.from(order)).toEqual(paddedWindowOrder(rows / 2, cols / 2, span));
    expect(new Set(order).size).toBe(order.length);
  });

  it('puts window-ordered blocks back in the processor order, rows of a block kept together', () => {
    const order = windowOrder([4, 8], { mergeSize: 2, blocksPerWindow: 2 }); // 2 x 4 blocks: [0, 1, 4, 5, 2, 3, 6, 7]
    expect(Array.from(order)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    const width = 3;
    const unitRows = 4;
    // Block b's values are b * 100 + row * 10 + column, laid out in window order.
    const windowed = new Float32Array(order.length * unitRows * width);
    order.forEach((block, j) => {
      for (let r = 0; r < unitRows; r++) for (let c = 0; c < width; c++) windowed[(j * unitRows + r) * width + c] = block * 100 + r * 10 + c;
    });
    const back = fromWindowOrder(windowed, order, unitRows, width);
    for (let b = 0; b < order.length; b++)
      for (let r = 0; r < unitRows; r++) for (let c = 0; c < width; c++) expect(back[(b * unitRows + r) * width + c]).toBe(b * 100 + r * 10 + c);
    expect(() => fromWindowOrder(new Float32Array(5), order, unitRows, width)).toThrow(RangeError);
  });
});
