/**
 * The dot-product kernel (core/knn/dotProducts.ts): the committed binaries are what the generator
 * assembles now, and both builds (a multiply and an add; relaxed SIMD's fused multiply-add) give
 * every product of a block within the float32 error bound of a float64 sum, for shapes that
 * exercise every edge: a dimension that is odd (the unrolled loop's last step) and larger than a
 * chunk but not a multiple of it, a set that is not a whole number of panels, tiles past the end.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_ROWS,
  CHUNK_DIMS,
  PANEL_COLUMNS,
  TILE_ROWS,
  instantiateKernel,
  kernelArguments,
  kernelBinary,
  layoutMemory,
  packPanels,
  packTiles,
  productLayout,
} from '../../../src/core/knn/dotProducts.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { KERNEL_MODULE_PATH, kernelModuleSource } from '../../../scripts/kernels/build.ts';

const U = 2 ** -24;

async function checkBlock(fused: boolean, n: number, dim: number, rowStart: number, from?: number, to?: number): Promise<number> {
  const random = seededRandom(n * 31 + dim);
  const x = Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
  const layout = productLayout(n, dim);
  const memory = layoutMemory(layout, false);
  const products = await instantiateKernel(await WebAssembly.compile(kernelBinary(fused, false)), memory);
  const heap = new Float32Array(memory.buffer);
  // Garbage where the products go: the first chunk must write, not add.
  heap.fill(Number.NaN, layout.productsAt[0] / 4);
  packPanels(x, layout, heap);
  const tiles = Math.ceil(Math.min(BLOCK_ROWS, n - rowStart) / TILE_ROWS);
  packTiles(x, layout, rowStart, tiles, heap);
  const firstPanel = rowStart / PANEL_COLUMNS;
  const block = { tiles, firstPanel, panels: layout.panels - firstPanel, buffer: 0 as const };
  const lo = from ?? 0;
  const hi = to ?? block.panels;
  products(...kernelArguments(layout, block, lo, hi));
  let worst = 0;
  let checked = 0;
  for (let t = 0; t < tiles; t++) {
    for (let p = lo; p < hi; p++) {
      for (let r = 0; r < TILE_ROWS; r++) {
        for (let c = 0; c < PANEL_COLUMNS; c++) {
          const i = rowStart + t * TILE_ROWS + r;
          const j = (firstPanel + p) * PANEL_COLUMNS + c;
          const got = heap[layout.productsAt[0] / 4 + ((t * block.panels + p) * TILE_ROWS + r) * PANEL_COLUMNS + c]!;
          if (i >= n || j >= n) {
            expect(got, `padding (${i}, ${j})`).toBe(0);
            continue;
          }
          let exact = 0;
          let normI = 0;
          let normJ = 0;
          for (let d = 0; d < dim; d++) {
            exact += x[i * dim + d]! * x[j * dim + d]!;
            normI += x[i * dim + d]! ** 2;
            normJ += x[j * dim + d]! ** 2;
          }
          const bound = dim * U * Math.sqrt(normI * normJ);
          const error = Math.abs(got - exact);
          expect(error, `(${i}, ${j}) of ${n} x ${dim}`).toBeLessThanOrEqual(bound);
          worst = Math.max(worst, error / bound);
          checked++;
        }
      }
    }
  }
  expect(checked).toBeGreaterThan(0);
  return worst;
}

describe('the dot-product kernel', () => {
  it('is committed as the generator assembles it now (npm run build:kernels)', async () => {
    expect(readFileSync(KERNEL_MODULE_PATH, 'utf8')).toBe(await kernelModuleSource());
  });

  it('multiplies within the float32 bound: a multiply and an add (plain SIMD)', async () => {
    expect(CHUNK_DIMS).toBeLessThan(1101);
    await checkBlock(false, 61, 1101, 0); // odd dimension over two chunks, 61 = 7 panels and 5 columns
    await checkBlock(false, 530, 7, 480); // the second block's upper half, a tile past the end
    await checkBlock(false, 50, 512, 0, 2, 5); // part of a block's panels, as one thread computes it
  });

  it('multiplies within the float32 bound: fused multiply-add (relaxed SIMD)', async () => {
    // Node 20 compiles relaxed SIMD behind a flag (Node 22 and browsers without one).
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    expect(WebAssembly.validate(kernelBinary(true, false))).toBe(true);
    await checkBlock(true, 61, 1101, 0);
    await checkBlock(true, 530, 7, 480);
    await checkBlock(true, 50, 512, 0, 2, 5);
  });

  it('differs from a float64 sum at all (so the bound above is a real test): the float32 products are not exact', async () => {
    expect(await checkBlock(false, 61, 1101, 0)).toBeGreaterThan(0);
  });
});
