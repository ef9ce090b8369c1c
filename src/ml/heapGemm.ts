/**
 * The training products on core/matrix/gemm.ts's kernel, run inside tfjs-wasm's heap on the
 * tensors where tfjs keeps them, with the result written straight into a new tensor there.
 *
 * When: on tfjs-wasm computing on one thread, where the engine compiles relaxed SIMD (Chromium,
 * Firefox; Node with --experimental-wasm-relaxed-simd). Measured in Chromium here on one core,
 * a LLaVA-width product (144 x 4,096 by 4,096 x 4,096) took 105 ms against XNNPACK's 155. Not
 * elsewhere: without relaxed SIMD the kernel's separate multiply and add are slower than XNNPACK
 * (190 ms), and with several threads XNNPACK splits a product across them while this kernel
 * runs on one.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GEMM_SCRATCH_BYTES, gemmFusedAvailable, gemmKernel, type GemmKernel, type StridedRows } from '../core/matrix/gemm.ts';
import { activeWasmBackend, heapKernel, heapThreads, unsetTensor } from './tfWasmHeap.ts';

/**
 * How a 2-D tensor gives the rows of an operand: 'rows' (a [rows, depth] tensor) or 'columns'
 * (a [depth, rows] tensor, read transposed without a copy).
 */
export type OperandLayout = 'rows' | 'columns';

const products = heapKernel((backend, memory) => (heapThreads(backend) === 1 && gemmFusedAvailable() ? gemmKernel(memory, true) : null));

/** Lets the products use the kernel where it would be used (the default) or never: tests and the bench compare it with XNNPACK. */
export function allowHeapGemm(allow: boolean): void {
  products.allow(allow);
}

/** The kernel for the active backend where it is the one to use (see the header), else null. */
export function heapGemm(): GemmKernel | null {
  return products.here()?.kernel ?? null;
}

function operand(backend: BackendWasm, t: tf.Tensor2D, layout: OperandLayout): { rows: number; depth: number; view: StridedRows } {
  if (t.dtype !== 'float32') throw new TypeError(`heapProduct: a ${t.dtype} operand, not float32`);
  const offset = backend.getMemoryOffset(t.dataId);
  const [r, c] = t.shape;
  return layout === 'rows'
    ? { rows: r, depth: c, view: { offset, rowStride: c, depthStride: 1 } }
    : { rows: c, depth: r, view: { offset, rowStride: 1, depthStride: c } };
}

/** C[i, j] = sum over p of A(i, p) B(j, p): a new [rows of A, rows of B] tensor. */
export function heapProduct(kernel: GemmKernel, a: tf.Tensor2D, aLayout: OperandLayout, b: tf.Tensor2D, bLayout: OperandLayout): tf.Tensor2D {
  const backend = activeWasmBackend();
  if (!backend) throw new Error('heapProduct: tfjs-wasm is not the active backend');
  const left = operand(backend, a, aLayout);
  const right = operand(backend, b, bLayout);
  if (left.depth !== right.depth) throw new RangeError(`heapProduct: depths ${left.depth} and ${right.depth} differ`);
  const c = unsetTensor(backend, [left.rows, right.rows]) as tf.Tensor2D;
  const scratch = unsetTensor(backend, [GEMM_SCRATCH_BYTES / 4]);
  try {
    // Offsets, not views: the allocations above may have grown the heap, which the kernel sees.
    kernel.multiply({
      m: left.rows,
      n: right.rows,
      k: left.depth,
      a: left.view,
      b: right.view,
      c: backend.getMemoryOffset(c.dataId),
      scratch: backend.getMemoryOffset(scratch.dataId),
    });
  } catch (error) {
    c.dispose();
    throw error;
  } finally {
    scratch.dispose();
  }
  return c;
}
