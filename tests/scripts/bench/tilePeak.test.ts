/**
 * The bench's ceiling figure (scripts/bench/tilePeak.ts) times the project's register tile: its
 * module must do the multiply-adds it is credited with. One run() call adds the 6 x 8 products of
 * the tile ([steps][6]) and the panel ([steps][8]) into C (where PEAK_LAYOUT puts them), so after
 * `reps` calls C holds reps times the products (plus what it held), each within the float32 error
 * bound of a float64 sum.
 */
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/random.ts';
import { REGISTER_TILE_COLUMNS as COLUMNS, REGISTER_TILE_ROWS as ROWS } from '../../../scripts/kernels/registerTileWat.ts';
import { PEAK_LAYOUT, PEAK_STEPS, tilePeakBinary, tilePeakFlops } from '../../../scripts/bench/tilePeak.ts';

const U = 2 ** -24;

beforeAll(() => {
  // Node 20 compiles relaxed SIMD (the tile's fused multiply-add) only behind this flag.
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
});

describe('the register tile peak module', () => {
  it('adds the tile times the panel into C once a rep, over PEAK_STEPS steps', async () => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(await tilePeakBinary()));
    const memory = instance.exports.memory as WebAssembly.Memory;
    const run = instance.exports.run as (reps: number, steps: number) => void;
    const random = seededRandom(7);
    const tile = new Float32Array(memory.buffer, PEAK_LAYOUT.tileAt, PEAK_STEPS * ROWS);
    const panel = new Float32Array(memory.buffer, PEAK_LAYOUT.panelAt, PEAK_STEPS * COLUMNS);
    const c = new Float32Array(memory.buffer, PEAK_LAYOUT.productsAt, ROWS * COLUMNS);
    tile.forEach((_, i) => (tile[i] = random() * 2 - 1));
    panel.forEach((_, i) => (panel[i] = random() * 2 - 1));
    const start = Float32Array.from({ length: ROWS * COLUMNS }, () => random());
    c.set(start);
    const reps = 3;
    run(reps, PEAK_STEPS);
    for (let r = 0; r < ROWS; r++)
      for (let col = 0; col < COLUMNS; col++) {
        let exact = 0;
        let magnitude = 0;
        for (let s = 0; s < PEAK_STEPS; s++) {
          exact += tile[s * ROWS + r]! * panel[s * COLUMNS + col]!;
          magnitude += Math.abs(tile[s * ROWS + r]! * panel[s * COLUMNS + col]!);
        }
        const expected = start[r * COLUMNS + col]! + reps * exact;
        const bound = (reps * PEAK_STEPS + 2) * U * (reps * magnitude + Math.abs(start[r * COLUMNS + col]!));
        expect(Math.abs(c[r * COLUMNS + col]! - expected)).toBeLessThanOrEqual(bound);
      }
  });

  it('credits each rep with 2 x 6 x 8 flops a step', () => {
    expect(tilePeakFlops(1)).toBe(2 * ROWS * COLUMNS * PEAK_STEPS);
    expect(tilePeakFlops(10)).toBe(10 * tilePeakFlops(1));
  });
});
