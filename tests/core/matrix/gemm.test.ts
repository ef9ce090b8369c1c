/**
 * The matrix-product kernel (core/matrix/gemm.ts): the committed binaries are what the generator
 * assembles now, and every build (plain and fused arithmetic, unshared and shared memory) gives
 * every value of C = A Bᵀ within the float32 error bound of a float64 sum, for each way an
 * operand is read (rows, or columns of a transposed matrix) and shapes that reach every edge:
 * rows that are not a whole number of tiles or blocks, columns that are not a whole number of
 * panels, a depth over two chunks and odd (the unrolled loop's last step), a depth of one. The
 * kernel writes C and nothing around it, and the first chunk writes rather than adds.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { GEMM_BLOCK_ROWS, GEMM_DEPTH_CHUNK, GEMM_SCRATCH_BYTES, gemmFusedAvailable, gemmKernel, type StridedRows } from '../../../src/core/matrix/gemm.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { GEMM_MODULE_PATH, gemmModuleSource } from '../../../scripts/kernels/build.ts';

const U = 2 ** -24;
/** Floats of sentinel values on either side of C. */
const GUARD = 64;
const SENTINEL = 12345.5;

type Layout = 'rows' | 'columns';

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly aLayout: Layout;
  readonly bLayout: Layout;
}

/** The largest |C - exact| / (gamma_k sum |a||b|) over every value; < 1 is within float32's bound. */
function check(fused: boolean, shared: boolean, { m, n, k, aLayout, bLayout }: Case): number {
  const random = seededRandom(m * 7919 + n * 31 + k);
  const a = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
  const b = Float32Array.from({ length: n * k }, () => random() * 2 - 1);
  // Byte offsets: A, B, C with its guards, scratch; the first at an odd float to test unaligned reads.
  const aAt = 4 * 5;
  const bAt = aAt + 4 * a.length + 4;
  const cAt = bAt + 4 * b.length + 4 * GUARD;
  const scratchAt = cAt + 4 * (m * n + GUARD);
  const bytes = scratchAt + GEMM_SCRATCH_BYTES;
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: 65536, shared: true } : { initial: pages });
  const heap = new Float32Array(memory.buffer);
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  // Garbage where C goes (the first chunk must write, not add) and sentinels around it.
  heap.fill(SENTINEL, cAt / 4 - GUARD, cAt / 4 + m * n + GUARD);
  heap.fill(Number.NaN, cAt / 4, cAt / 4 + m * n);
  // A(i, p) is a[i k + p] ('rows', a stored [m, k]) or a[p m + i] ('columns', a stored [k, m]).
  const view = (at: number, layout: Layout, rows: number): StridedRows =>
    layout === 'rows' ? { offset: at, rowStride: k, depthStride: 1 } : { offset: at, rowStride: 1, depthStride: rows };
  const valueOf = (values: Float32Array, layout: Layout, rows: number, r: number, p: number) =>
    layout === 'rows' ? values[r * k + p]! : values[p * rows + r]!;
  gemmKernel(memory, fused).multiply({ m, n, k, a: view(aAt, aLayout, m), b: view(bAt, bLayout, n), c: cAt, scratch: scratchAt });
  for (let g = 0; g < GUARD; g++) {
    expect(heap[cAt / 4 - GUARD + g], 'before C').toBe(SENTINEL);
    expect(heap[cAt / 4 + m * n + g], 'after C').toBe(SENTINEL);
  }
  const gamma = (k * U) / (1 - k * U);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        const product = valueOf(a, aLayout, m, i, p) * valueOf(b, bLayout, n, j, p);
        exact += product;
        magnitude += Math.abs(product);
      }
      const got = heap[cAt / 4 + i * n + j]!;
      expect(Number.isFinite(got), `C[${i}, ${j}]`).toBe(true);
      worst = Math.max(worst, Math.abs(got - exact) / (gamma * magnitude));
    }
  }
  return worst;
}

const SHAPES: readonly Omit<Case, 'aLayout' | 'bLayout'>[] = [
  { m: 13, n: 21, k: 2 * GEMM_DEPTH_CHUNK + 77 }, // depth over two chunks and odd; partial tiles and panels
  { m: GEMM_BLOCK_ROWS + 17, n: 8, k: 9 }, // a second block of rows, one whole panel
  { m: 6, n: 3, k: 1 }, // one whole tile, a depth of one
  { m: 1, n: 1, k: 5 },
];
const LAYOUTS: readonly [Layout, Layout][] = [
  ['rows', 'rows'],
  ['rows', 'columns'],
  ['columns', 'rows'],
  ['columns', 'columns'],
];

function checkAll(fused: boolean, shared: boolean) {
  for (const shape of SHAPES)
    for (const [aLayout, bLayout] of LAYOUTS) {
      const worst = check(fused, shared, { ...shape, aLayout, bLayout });
      expect(worst, `${JSON.stringify(shape)} ${aLayout} x ${bLayout}`).toBeLessThan(1);
    }
}

describe('the matrix-product kernel', () => {
  beforeAll(() => {
    // Node 20 compiles relaxed SIMD behind a flag (Node 22 and browsers without one).
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  });

  it('is committed as the generator assembles it now (npm run build:kernels)', async () => {
    expect(readFileSync(GEMM_MODULE_PATH, 'utf8')).toBe(await gemmModuleSource());
  });

  it('multiplies within the float32 bound: a multiply and an add (plain SIMD), unshared and shared memory', () => {
    checkAll(false, false);
    checkAll(false, true);
  });

  it('multiplies within the float32 bound: fused multiply-add (relaxed SIMD), unshared and shared memory', () => {
    expect(gemmFusedAvailable()).toBe(true);
    checkAll(true, false);
    checkAll(true, true);
  });

  it('differs from a float64 sum at all (so the bound above is a real test)', () => {
    expect(check(false, false, { m: 13, n: 21, k: 1101, aLayout: 'rows', bLayout: 'rows' })).toBeGreaterThan(0);
  });

  it('writes zeros for a depth of zero, and refuses a negative or fractional size', () => {
    const memory = new WebAssembly.Memory({ initial: 20 });
    const heap = new Float32Array(memory.buffer);
    heap.fill(7, 0, 12);
    const kernel = gemmKernel(memory, false);
    const none: StridedRows = { offset: 0, rowStride: 0, depthStride: 0 };
    kernel.multiply({ m: 3, n: 4, k: 0, a: none, b: none, c: 0, scratch: 4096 });
    expect(Array.from(heap.subarray(0, 12))).toEqual(new Array(12).fill(0));
    expect(() => kernel.multiply({ m: -1, n: 4, k: 2, a: none, b: none, c: 0, scratch: 4096 })).toThrow(/invalid m/);
    expect(() => kernel.multiply({ m: 1, n: 4.5, k: 2, a: none, b: none, c: 0, scratch: 4096 })).toThrow(/invalid n/);
  });
});
