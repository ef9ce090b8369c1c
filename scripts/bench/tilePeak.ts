/**
 * The ceiling of matrix arithmetic in WebAssembly on this machine, for the inference bench's note:
 * the neighbour search's own tile function (scripts/kernels/registerTileWat.ts, its fused
 * relaxed-SIMD build; training's GEMM shares its register tile) run over and over on one tile and
 * one panel that stay in the L1 cache, so that nothing but the multiply-adds limits it, timed in
 * headless Chromium (tilePeakWorker.ts). A whole network, with its memory traffic, depthwise
 * layers and thin layers, runs below this rate, so a native figure more than 1 / ratio times
 * faster than it cannot be reached by any WebAssembly engine built on such kernels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWat } from '../kernels/build.ts';
import { REGISTER_TILE_COLUMNS, REGISTER_TILE_ROWS, tileFunction } from '../kernels/registerTileWat.ts';
import { runPageWorker } from './pageWorker.ts';
import type { TilePeakRequest, TilePeakResult } from './tilePeakWorker.ts';

/** Depth steps a call: the tile (6 KB) and the panel (8 KB) stay in the L1 cache. */
export const PEAK_STEPS = 256;
/** Where the module's memory holds the tile ([steps][6]), the panel ([steps][8]) and the 6 x 8 products. */
export const PEAK_LAYOUT = { tileAt: 0, panelAt: 65536, productsAt: 131072 } as const;

/** A module whose `run(reps, steps)` adds the tile times the panel into the products `reps` times (PEAK_LAYOUT). */
function tilePeakWat(): string {
  return `(module
  (memory (export "memory") 4)
  ${tileFunction(true)}
  (func (export "run") (param $reps i32) (param $steps i32)
    (loop $again
      (call $tile (i32.const ${PEAK_LAYOUT.tileAt}) (i32.const ${PEAK_LAYOUT.panelAt}) (local.get $steps) (i32.const ${PEAK_LAYOUT.productsAt}) (i32.const 0))
      (br_if $again (local.tee $reps (i32.sub (local.get $reps) (i32.const 1)))))))`;
}

export const tilePeakBinary = (): Promise<Uint8Array<ArrayBuffer>> => assembleWat('tile_peak.wat', tilePeakWat());

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
