/**
 * tfjs-wasm tensors' values where they live, in the backend's WebAssembly heap, for passes tfjs
 * has no op for (ml/leanAdam.ts's fused AdamW step). dataSync() would copy a whole tensor into a
 * fresh array first (about 30 ms for a 4,096 x 4,096 matrix here, mostly the new pages), and
 * tf.tensor() would copy the result in again. BackendWasm's getMemoryOffset, makeOutput and
 * wasm.HEAPU8 are the methods its own kernels use, declared in its typings.
 *
 * A view is good until tfjs next allocates: the heap may grow, and a grown (unshared) heap's old
 * buffer is detached. So views are taken last, and read before any other tfjs call.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The active backend where it is tfjs-wasm, else null. */
export function activeWasmBackend(): BackendWasm | null {
  return tf.getBackend() === 'wasm' ? (tf.backend() as BackendWasm) : null;
}

/** A float32 tensor's values in the heap (no copy): write them only into a tensor no other handle shares. */
export function heapValues(backend: BackendWasm, tensor: tf.Tensor): Float32Array {
  if (tensor.dtype !== 'float32') throw new TypeError(`heapValues: a ${tensor.dtype} tensor, not float32`);
  // HEAPU8 is on every Emscripten module; tfjs-wasm's typings leave it out of the single-threaded one.
  const heap = (backend.wasm as unknown as { readonly HEAPU8: Uint8Array }).HEAPU8;
  return new Float32Array(heap.buffer, backend.getMemoryOffset(tensor.dataId), tensor.size);
}

/** A new float32 tensor of `shape` whose values are not set (the caller writes every one through heapValues). */
export function unsetTensor(backend: BackendWasm, shape: readonly number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...shape], 'float32'));
}

/**
 * The WebAssembly memory that holds the heap, for a kernel of our own to import (core/matrix/gemm.ts),
 * or null where this build does not expose it. Emscripten keeps it as Module.wasmMemory in the
 * threaded build and as the instance's exported memory (Module.asm.memory) in the others; it is
 * accepted only if it is the memory HEAPU8 views.
 */
export function heapMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const module = backend.wasm as unknown as { wasmMemory?: unknown; asm?: { memory?: unknown }; HEAPU8: Uint8Array };
  const memory = module.wasmMemory ?? module.asm?.memory;
  return memory instanceof WebAssembly.Memory && memory.buffer === module.HEAPU8.buffer ? memory : null;
}

/** How many threads tfjs-wasm's own kernels (XNNPACK) compute on. */
export function heapThreads(backend: BackendWasm): number {
  return (backend.wasm as unknown as { tfjs: { getThreadsCount(): number } }).tfjs.getThreadsCount();
}

/** A kernel of our own on tfjs-wasm's heap (heapKernel): the backend it runs in, and the kernel. */
export interface HeapKernelHere<K> {
  readonly backend: BackendWasm;
  readonly kernel: K;
}

export interface HeapKernel<K> {
  /** The kernel on the active backend's heap, where it is tfjs-wasm and the kernel is to be used there; else null. */
  here(): HeapKernelHere<K> | null;
  /** Where the kernel may be used (the default) or never: tests and the bench compare it with tfjs's own kernels. */
  allow(allowed: boolean): void;
}

/**
 * A kernel of our own that imports tfjs-wasm's heap, instantiated once per backend (on its first
 * use there) by `instantiate`, which returns null where the kernel is not the one to use.
 */
export function heapKernel<K>(instantiate: (backend: BackendWasm, memory: WebAssembly.Memory) => K | null): HeapKernel<K> {
  const kernels = new WeakMap<BackendWasm, K | null>();
  let allowed = true;
  return {
    here() {
      const backend = activeWasmBackend();
      if (!backend || !allowed) return null;
      let kernel = kernels.get(backend);
      if (kernel === undefined) {
        const memory = heapMemory(backend);
        kernel = memory ? instantiate(backend, memory) : null;
        kernels.set(backend, kernel);
      }
      return kernel === null ? null : { backend, kernel };
    },
    allow(allow) {
      allowed = allow;
    },
  };
}
