/**
 * The ceiling of matrix arithmetic in WebAssembly on this machine, for the inference bench's note:
 * the project's own register tile (scripts/kernels/registerTileWat.ts, the fused relaxed-SIMD
 * build behind the neighbour search and training) run over and over on one tile and one panel
 * that stay in the L1 cache, so that nothing but the multiply-adds limits it, timed in headless
 * Chromium (tilePeakWorker.ts). A whole network, with its memory traffic, depthwise layers and
 * thin layers, runs below this rate, so a native figure more than 1 / ratio times faster than it
 * cannot be reached by any WebAssembly engine built on such kernels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { REGISTER_TILE_COLUMNS, REGISTER_TILE_ROWS, registerTile } from '../kernels/registerTileWat.ts';
import { runPageWorker } from './pageWorker.ts';
import type { TilePeakRequest, TilePeakResult } from './tilePeakWorker.ts';

/** Depth steps a call: the tile (6 KB) and the panel (8 KB) stay in the L1 cache. */
export const PEAK_STEPS = 256;
/** Where the module's memory holds the tile ([steps][6]), the panel ([steps][8]) and the 6 x 8 products. */
export const PEAK_LAYOUT = { tileAt: 0, panelAt: 65536, productsAt: 131072 } as const;

/** A module whose `run(reps, steps)` adds the tile times the panel into the products `reps` times (PEAK_LAYOUT). */
function tilePeakWat(): string {
  const { accumulators, locals, depthLoop } = registerTile(true);
  return `(module
  (memory (export "memory") 4)
  (func $tile (param $ap i32) (param $bp i32) (param $steps i32) (param $cp i32)
    ${locals}
    ${accumulators.map((acc, k) => `(local.set ${acc} (v128.load offset=${16 * k} (local.get $cp)))`).join('\n    ')}
    ${depthLoop}
    ${accumulators.map((acc, k) => `(v128.store offset=${16 * k} (local.get $cp) (local.get ${acc}))`).join('\n    ')})
  (func (export "run") (param $reps i32) (param $steps i32)
    (loop $again
      (call $tile (i32.const ${PEAK_LAYOUT.tileAt}) (i32.const ${PEAK_LAYOUT.panelAt}) (local.get $steps) (i32.const ${PEAK_LAYOUT.productsAt}))
      (br_if $again (local.tee $reps (i32.sub (local.get $reps) (i32.const 1)))))))`;
}

export async function tilePeakBinary(): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('tile-peak.wat', tilePeakWat(), { simd: true, relaxed_simd: true });
  try {
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** Floating-point operations of one `run` call. */
export const tilePeakFlops = (reps: number): number => 2 * REGISTER_TILE_ROWS * REGISTER_TILE_COLUMNS * PEAK_STEPS * reps;

/** The tile's best rate in Chromium, GFLOP/s; a reason instead when it cannot run. */
export async function chromiumTilePeak(): Promise<TilePeakResult | { readonly why: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-tile-peak-'));
  try {
    const request: TilePeakRequest = { binary: await tilePeakBinary(), steps: PEAK_STEPS, flopsPerRep: tilePeakFlops(1) };
    return await runPageWorker<TilePeakRequest, TilePeakResult>(
      { entry: join(import.meta.dirname, 'tilePeakWorker.ts'), dir, what: 'register tile peak' },
      request,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
