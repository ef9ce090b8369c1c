/**
 * Float32 dot products of every vector of a set with every other, block by block, on a small
 * WebAssembly kernel of our own (scripts/kernels/dotProductsWat.ts, assembled into
 * dotProductsWasm.ts): the fast half of the exact neighbour search (kernelCandidates.ts proposes
 * candidates from these products, neighbourTable.ts makes the answer exact).
 *
 * Why not a library: ONNX Runtime's WebAssembly GEMM (MLAS) is the best packaged one, but it is
 * built for plain 128-bit SIMD, a multiply and an add per lane (33 GFLOP/s on one thread here),
 * and candidates then need its TopK and elementwise steps over every [block, n] score matrix,
 * 3-4 s of a 29 s search at N = 10,000. This kernel uses relaxed SIMD's fused multiply-add where
 * the engine compiles it (Chromium, Firefox; Node from 22): 45 GFLOP/s in Chromium here, and its
 * products go straight to a selection that keeps each row's best in one pass
 * (kernelCandidates.ts), with no sort. Where relaxed SIMD is missing (Node 20, Safari), the same
 * kernel runs with a separate multiply and add, at about MLAS's rate. No npm build of ONNX
 * Runtime ships its relaxed-SIMD option.
 *
 * Layout in the kernel's memory (all float32):
 * - panels: every vector, 8 to a panel, interleaved dimension by dimension ([panels][dim][8]);
 *   the columns of every block. Rows past n are zeros.
 * - tiles: one block's rows, 6 to a tile, interleaved the same way ([tiles][dim][6]).
 * - products: [tiles][panels of the block][6][8], two buffers, so that one block can be read
 *   while the next is computed (workers/productsPool.ts).
 */
import { bytesFromBase64 } from '../base64.ts';
import { FUSED, FUSED_SHARED, PLAIN, PLAIN_SHARED } from './dotProductsWasm.ts';

/** Rows in a tile and columns in a panel: what the kernel's registers hold (12 accumulators of 4 lanes). */
export const TILE_ROWS = 6;
export const PANEL_COLUMNS = 8;
/** Rows per block: a multiple of both, so every block starts on a panel. */
export const BLOCK_ROWS = 480;
/**
 * Dimensions per chunk: a chunk of one panel (512 x 8 x 4 B = 16 KB) stays in the L1 cache while
 * every tile of the block passes over it. Measured in Chromium at d = 1024 and 4096: 512 beat 128
 * and 256 by 5-25%.
 */
export const CHUNK_DIMS = 512;

const PAGE = 65536;
const FLOAT = 4;

let fusedCompiles: boolean | null = null;
/** Whether this engine compiles relaxed SIMD (the fused multiply-add build). */
export function fusedKernelAvailable(): boolean {
  fusedCompiles ??= WebAssembly.validate(bytesFromBase64(FUSED));
  return fusedCompiles;
}

/** The kernel's binary: fused where available, for a shared memory or not. */
export function kernelBinary(fused: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  return bytesFromBase64(fused ? (shared ? FUSED_SHARED : FUSED) : shared ? PLAIN_SHARED : PLAIN);
}

/** The kernel's one export: products of packed tiles with packed panels (see dotProductsWat.ts). */
export type ProductsExport = (a: number, b: number, c: number, tiles: number, panels: number, cPanelStride: number, dim: number, kc: number) => void;

export async function instantiateKernel(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<ProductsExport> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports.products as ProductsExport;
}

/** Where everything lies in the kernel's memory for one set of n vectors of dim dimensions. */
export interface ProductLayout {
  readonly n: number;
  readonly dim: number;
  readonly panels: number;
  /** Byte offsets. */
  readonly panelsAt: number;
  readonly tilesAt: number;
  readonly productsAt: readonly [number, number];
  readonly bytes: number;
}

export function productLayout(n: number, dim: number): ProductLayout {
  const panels = Math.ceil(n / PANEL_COLUMNS);
  const panelsAt = 0;
  const tilesAt = panelsAt + panels * PANEL_COLUMNS * dim * FLOAT;
  const productBytes = BLOCK_ROWS * panels * PANEL_COLUMNS * FLOAT;
  const first = tilesAt + BLOCK_ROWS * dim * FLOAT;
  const bytes = first + 2 * productBytes;
  return { n, dim, panels, panelsAt, tilesAt, productsAt: [first, first + productBytes], bytes };
}

/** A memory that holds the layout, exactly (shared ones cannot grow past their maximum). */
export function layoutMemory(layout: ProductLayout, shared: boolean): WebAssembly.Memory {
  const pages = Math.ceil(layout.bytes / PAGE);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
}

/** Writes every vector of x into the panels ([panels][dim][8]), zeros past n. */
export function packPanels(x: Float32Array, layout: ProductLayout, heap: Float32Array): void {
  const { n, dim, panels } = layout;
  const base = layout.panelsAt / FLOAT;
  for (let p = 0; p < panels; p++) {
    const out = base + p * dim * PANEL_COLUMNS;
    for (let c = 0; c < PANEL_COLUMNS; c++) {
      const row = p * PANEL_COLUMNS + c;
      if (row >= n) {
        for (let d = 0; d < dim; d++) heap[out + d * PANEL_COLUMNS + c] = 0;
        continue;
      }
      const from = row * dim;
      for (let d = 0; d < dim; d++) heap[out + d * PANEL_COLUMNS + c] = x[from + d]!;
    }
  }
}

/** Writes the rows [rowStart, rowStart + tiles x 6) into the tiles ([tiles][dim][6]), zeros past n. */
export function packTiles(x: Float32Array, layout: ProductLayout, rowStart: number, tiles: number, heap: Float32Array): void {
  const { n, dim } = layout;
  const base = layout.tilesAt / FLOAT;
  for (let t = 0; t < tiles; t++) {
    const out = base + t * dim * TILE_ROWS;
    for (let r = 0; r < TILE_ROWS; r++) {
      const row = rowStart + t * TILE_ROWS + r;
      if (row >= n) {
        for (let d = 0; d < dim; d++) heap[out + d * TILE_ROWS + r] = 0;
        continue;
      }
      const from = row * dim;
      for (let d = 0; d < dim; d++) heap[out + d * TILE_ROWS + r] = x[from + d]!;
    }
  }
}

/** One block's products: its packed tiles times panels [firstPanel, firstPanel + panels), into product buffer `buffer`. */
export interface BlockProducts {
  readonly tiles: number;
  readonly firstPanel: number;
  readonly panels: number;
  readonly buffer: 0 | 1;
}

/** The kernel's arguments for panels [from, to) of a block: how a block is split between threads. */
export function kernelArguments(layout: ProductLayout, block: BlockProducts, from = 0, to = block.panels): Parameters<ProductsExport> {
  const panelBytes = PANEL_COLUMNS * layout.dim * FLOAT;
  const productBytes = TILE_ROWS * PANEL_COLUMNS * FLOAT;
  return [
    layout.tilesAt,
    layout.panelsAt + (block.firstPanel + from) * panelBytes,
    layout.productsAt[block.buffer] + from * productBytes,
    block.tiles,
    to - from,
    block.panels,
    layout.dim,
    CHUNK_DIMS,
  ];
}

/**
 * Computes blocks in a memory laid out by productLayout: on this thread (singleThreadProducts), or
 * split between workers that share the memory (workers/productsPool.ts). `start` may return before
 * the products are done; `finish` waits for them, so the caller can read the previous block meanwhile.
 */
export interface ProductEngine {
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  start(block: BlockProducts): void;
  finish(): Promise<void>;
  dispose(): void;
}

/** Makes an engine for a layout (the workers' variant needs the browser). */
export type ProductEngineFactory = (layout: ProductLayout) => Promise<ProductEngine>;

/** Every block on the calling thread. */
export const singleThreadProducts: ProductEngineFactory = async (layout) => {
  const memory = layoutMemory(layout, false);
  const products = await instantiateKernel(await WebAssembly.compile(kernelBinary(fusedKernelAvailable(), false)), memory);
  return {
    memory,
    threads: 1,
    start: (block) => products(...kernelArguments(layout, block)),
    finish: () => Promise.resolve(),
    dispose: () => undefined,
  };
};
