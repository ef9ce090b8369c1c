/**
 * Float32 matrix products C = A Bᵀ on a WebAssembly kernel of our own (scripts/kernels/gemmWat.ts,
 * assembled into gemmWasm.ts), working in a WebAssembly memory it is given: the training products
 * of ml/denseMatMul.ts run it inside tfjs-wasm's heap, on the tensors where tfjs keeps them.
 *
 * Both operands are described the same way, as rows over a shared depth with any strides
 * (StridedRows), so one routine covers x wᵀ, dy w and dyᵀ x without transposing anything: a
 * transposed operand is the same memory with its strides swapped. The kernel packs what it reads
 * into the interleaved layout its register tile wants (6 rows of A by 8 of B), which costs one
 * pass over each operand against k passes of arithmetic.
 *
 * Why not tfjs's own product (XNNPACK): it is built for plain 128-bit SIMD, a multiply and an add
 * per lane, and reaches about 30 GFLOP/s on one core here; with relaxed SIMD's fused multiply-add
 * this kernel does about 1.4x that. XNNPACK also packs its right operand again whenever it
 * changed (every weight, every step) and has no fast path for a transposed operand, which is why
 * the tfjs path of denseMatMul.ts needs transposes of its own. Blocking: a block of up to 240
 * rows of A (240 x 512 x 4 B = 480 KB) stays in the L2 cache while each packed panel of 8 rows of
 * B over 512 depth steps (16 KB) stays in L1 and meets every tile of the block.
 *
 * The sums run in float32 in chunks of 512 depth steps, each chunk's sum added to the product:
 * the same products as any float32 GEMM, summed in another order (tests/core/matrix/gemm.test.ts
 * checks them against a float64 reference within float32's error bound).
 */
import { bytesFromBase64 } from '../base64.ts';
import { GEMM_FUSED, GEMM_FUSED_SHARED, GEMM_PLAIN, GEMM_PLAIN_SHARED } from './gemmWasm.ts';

/** Rows of A in the register tile and rows of B in a panel (12 accumulators of 4 lanes). */
export const GEMM_TILE_ROWS = 6;
export const GEMM_PANEL_COLUMNS = 8;
/** Depth steps per chunk: a panel of 8 x 512 float32 (16 KB) stays in L1. */
export const GEMM_DEPTH_CHUNK = 512;
/** Rows of A packed together (a multiple of the tile): 240 x 512 float32 stay in L2. */
export const GEMM_BLOCK_ROWS = 240;

const FLOAT = 4;
const ALIGN = 16;
const A_BLOCK_BYTES = GEMM_BLOCK_ROWS * GEMM_DEPTH_CHUNK * FLOAT;
const PANEL_BYTES = GEMM_PANEL_COLUMNS * GEMM_DEPTH_CHUNK * FLOAT;
const EDGE_BYTES = GEMM_TILE_ROWS * GEMM_PANEL_COLUMNS * FLOAT;
/** Bytes of working memory a product needs (packed A block, packed panel, edge tile), alignment slack included. */
export const GEMM_SCRATCH_BYTES = A_BLOCK_BYTES + PANEL_BYTES + EDGE_BYTES + ALIGN;

/** A matrix as rows over a depth: element (r, p) is the float32 at byte `offset` + 4 (r rowStride + p depthStride). */
export interface StridedRows {
  readonly offset: number;
  readonly rowStride: number;
  readonly depthStride: number;
}

/** A row-major [rows, depth] matrix at `offset`. */
export const rowMajor = (offset: number, depth: number): StridedRows => ({ offset, rowStride: depth, depthStride: 1 });
/** The transpose of a row-major [depth, rows] matrix at `offset`: its columns as rows. */
export const columnsOf = (offset: number, rows: number): StridedRows => ({ offset, rowStride: 1, depthStride: rows });

export interface GemmProduct {
  readonly m: number;
  readonly n: number;
  /** The shared depth. */
  readonly k: number;
  readonly a: StridedRows;
  readonly b: StridedRows;
  /** Byte offset of C, row-major [m, n]; every value is written. */
  readonly c: number;
  /** Byte offset of GEMM_SCRATCH_BYTES bytes the kernel may overwrite (none of A, B or C). */
  readonly scratch: number;
}

export interface GemmKernel {
  readonly fused: boolean;
  /** C[i, j] = sum over p of A(i, p) B(j, p). */
  multiply(product: GemmProduct): void;
}

type PackExport = (src: number, rowStride: number, depthStride: number, rows: number, depth: number, group: number, dst: number) => void;
type BlockExport = (
  a: number,
  tiles: number,
  rows: number,
  b: number,
  bRowStride: number,
  bDepthStride: number,
  n: number,
  kc: number,
  c: number,
  ldc: number,
  accumulate: number,
  panel: number,
  edge: number,
) => void;

let fusedCompiles: boolean | null = null;
/** Whether this engine compiles relaxed SIMD (the fused multiply-add build). */
export function gemmFusedAvailable(): boolean {
  fusedCompiles ??= WebAssembly.validate(bytesFromBase64(GEMM_FUSED));
  return fusedCompiles;
}

const isShared = (memory: WebAssembly.Memory) => typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

/**
 * The kernel over `memory` (shared or not), fused where asked. Compiled synchronously: the module
 * is a few kilobytes, and the products are called from inside tfjs's synchronous gradient code.
 */
export function gemmKernel(memory: WebAssembly.Memory, fused: boolean): GemmKernel {
  if (fused && !gemmFusedAvailable()) throw new Error('this engine does not compile relaxed SIMD (the fused build)');
  const shared = isShared(memory);
  const binary = bytesFromBase64(fused ? (shared ? GEMM_FUSED_SHARED : GEMM_FUSED) : shared ? GEMM_PLAIN_SHARED : GEMM_PLAIN);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } });
  const pack = instance.exports.pack as PackExport;
  const block = instance.exports.block as BlockExport;
  return {
    fused,
    multiply({ m, n, k, a, b, c, scratch }) {
      for (const [name, v] of Object.entries({ m, n, k })) if (!Number.isInteger(v) || v < 0) throw new RangeError(`gemm: invalid ${name} ${v}`);
      if (m === 0 || n === 0) return;
      if (k === 0) {
        new Float32Array(memory.buffer, c, m * n).fill(0);
        return;
      }
      const aBlock = Math.ceil(scratch / ALIGN) * ALIGN;
      const panel = aBlock + A_BLOCK_BYTES;
      const edge = panel + PANEL_BYTES;
      for (let i0 = 0; i0 < m; i0 += GEMM_BLOCK_ROWS) {
        const rows = Math.min(GEMM_BLOCK_ROWS, m - i0);
        const tiles = Math.ceil(rows / GEMM_TILE_ROWS);
        for (let p0 = 0; p0 < k; p0 += GEMM_DEPTH_CHUNK) {
          const kc = Math.min(GEMM_DEPTH_CHUNK, k - p0);
          pack(a.offset + FLOAT * (i0 * a.rowStride + p0 * a.depthStride), a.rowStride, a.depthStride, rows, kc, GEMM_TILE_ROWS, aBlock);
          block(
            aBlock,
            tiles,
            rows,
            b.offset + FLOAT * p0 * b.depthStride,
            b.rowStride,
            b.depthStride,
            n,
            kc,
            c + FLOAT * i0 * n,
            n,
            p0 > 0 ? 1 : 0,
            panel,
            edge,
          );
        }
      }
    },
  };
}
