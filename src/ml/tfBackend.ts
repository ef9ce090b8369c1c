/**
 * TensorFlow.js backend choice for the training worker, fastest real one first: WebGPU on a
 * hardware adapter, then WebAssembly (SIMD; threads when the page is cross-origin isolated),
 * then WebGL, then CPU. A software WebGPU adapter (SwiftShader, a "fallback adapter") is skipped:
 * it computes correctly but far slower than WASM; so is WebGL, which without a GPU is software
 * too and about half WASM's speed. Each backend is tried for real (a tiny op must compute the
 * right value); the one active is returned. Works without a DOM: in a worker, and in Node.
 */
import { webGpuKind } from './webGpuAdapter.ts';
import { tfjsWasmThreadsHere } from '../core/threads/computeThreads.ts';
import * as tf from '@tensorflow/tfjs';

export type TfBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const DEFAULT_BACKEND_ORDER: readonly TfBackend[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** Where the tfjs WebAssembly binaries are, when not next to the package (the app's bundled assets). */
export interface WasmBinaries {
  readonly 'tfjs-backend-wasm.wasm': string;
  readonly 'tfjs-backend-wasm-simd.wasm': string;
  readonly 'tfjs-backend-wasm-threaded-simd.wasm': string;
}
let wasmBinaries: WasmBinaries | null = null;
/** The browser build names its asset URLs here before the first selectTfBackend (Node finds the files itself). */
export function serveTfWasmFrom(binaries: WasmBinaries): void {
  wasmBinaries = binaries;
}

function hasWebGL2(): boolean {
  try {
    if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1).getContext('webgl2') != null;
    if (typeof document !== 'undefined') return document.createElement('canvas').getContext('webgl2') != null;
  } catch {
    // A context that throws on creation is as good as none.
  }
  return false;
}

async function hardwareWebGpu(): Promise<boolean> {
  return (await webGpuKind()) === 'hardware';
}

async function registerWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!wasmBinaries) return;
  wasm.setWasmPaths({ ...wasmBinaries });
  // tfjs starts its threaded build by itself where the page is cross-origin isolated; the app's
  // rule (core/threads/computeThreads.ts) caps its threads as it does ORT's, and tfjs caps them
  // again at half the logical cores. Where one thread is all it would use (a 2-core machine), the
  // single-threaded SIMD build is loaded instead. tfThreads reports what tfjs settled on.
  const threads = tfjsWasmThreadsHere();
  if (threads > 1) wasm.setThreadsCount(threads);
  else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
}

async function tryBackend(name: TfBackend): Promise<boolean> {
  try {
    if (name === 'webgpu') {
      if (!(await hardwareWebGpu())) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (name === 'wasm') await registerWasm();
    if (name === 'webgl' && !hasWebGL2()) return false;
    if (tf.findBackendFactory(name) == null) return false;
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    // A tiny op proves the backend computes, not just registers.
    const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 12;
  } catch {
    return false;
  }
}

/** Activates the first backend of `preferred` that works and returns its name. */
export async function selectTfBackend(preferred: readonly TfBackend[] = DEFAULT_BACKEND_ORDER): Promise<TfBackend> {
  for (const name of preferred) {
    // engine().backendName is read without initialising anything (tf.getBackend() would).
    if (tf.engine().backendName === name) return name;
    if (await tryBackend(name)) return name;
  }
  throw new Error(`no TensorFlow.js backend works here (tried ${preferred.join(', ')})`);
}

/** How many threads the active backend computes on (1 unless tfjs-wasm started its thread pool). */
export async function tfThreads(): Promise<number> {
  if (tf.getBackend() !== 'wasm') return 1;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}
