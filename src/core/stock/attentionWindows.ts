/**
 * Qwen2.5-VL's window attention, as it shows in a tapped stock export.
 *
 * The Qwen2.5-VL vision tower (unlike Qwen2-VL's) attends inside square windows of merge blocks.
 * To do that it reorders its 2 x 2 merge blocks window by window before the first layer, runs
 * visual.merger on that order, and only after the merger puts the merged tokens back in the
 * processor's order. So the connector's input at the tap, and the merger's own output, list the
 * blocks by window: windows row-major over the block grid (the last row and column of windows cut
 * short where the grid does not divide), blocks row-major inside a window, the 2 x 2 patches of a
 * block in the processor's order. Left as it is, pre token t would be drawn on the wrong patch and
 * paired with the wrong post token.
 */
import type { Grid } from '../geometry/connectorGeometry.ts';

/** How the tower windows its blocks: the merge size and how many blocks a window spans per side. */
export interface AttentionWindows {
  readonly mergeSize: number;
  readonly blocksPerWindow: number;
}

type Json = { readonly [key: string]: unknown };
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/**
 * The windows a config.json declares: Qwen2.5-VL's vision_config.window_size (in pixels) over
 * patch_size x spatial_merge_size. null for models without window attention (Qwen2-VL and the rest).
 */
export function attentionWindowsOf(config: unknown): AttentionWindows | null {
  if (!isObj(config) || config.model_type !== 'qwen2_5_vl' || !isObj(config.vision_config)) return null;
  const vision = config.vision_config;
  const windowSize = positiveInt(vision.window_size);
  const patch = positiveInt(vision.patch_size);
  const merge = positiveInt(vision.spatial_merge_size);
  if (windowSize === null || patch === null || merge === null) return null;
  const blocksPerWindow = Math.floor(windowSize / (patch * merge));
  return blocksPerWindow >= 1 ? { mergeSize: merge, blocksPerWindow } : null;
}

/**
 * For each position in the tower's window order, the block it holds, as an index in the
 * processor's order (block row-major on the grid / merge block grid).
 */
export function windowOrder(grid: Grid, windows: AttentionWindows): Int32Array {
  const { mergeSize, blocksPerWindow: span } = windows;
  const [rows, cols] = grid;
  if (rows % mergeSize !== 0 || cols % mergeSize !== 0) throw new RangeError(`grid [${rows}, ${cols}] is not divisible by the merge size ${mergeSize}`);
  const blockRows = rows / mergeSize;
  const blockCols = cols / mergeSize;
  const order = new Int32Array(blockRows * blockCols);
  let at = 0;
  for (let wr = 0; wr < blockRows; wr += span)
    for (let wc = 0; wc < blockCols; wc += span)
      for (let r = wr; r < Math.min(wr + span, blockRows); r++) for (let c = wc; c < Math.min(wc + span, blockCols); c++) order[at++] = r * blockCols + c;
  return order;
}

/**
 * Undo the window order: `data` holds units (blocks) of `unitRows` rows of `width` values in the
 * order `order` lists; the result holds them in the processor's order.
 */
export function fromWindowOrder(data: Float32Array, order: Int32Array, unitRows: number, width: number): Float32Array {
  const unit = unitRows * width;
  if (data.length !== order.length * unit)
    throw new RangeError(`expected ${order.length * unit} values for ${order.length} blocks of [${unitRows}, ${width}], got ${data.length}`);
  const out = new Float32Array(data.length);
  for (let j = 0; j < order.length; j++) out.set(data.subarray(j * unit, (j + 1) * unit), order[j]! * unit);
  return out;
}
