/**
 * TensorFlow.js backend choice for the training worker: WebGPU, then WebGL (through
 * OffscreenCanvas in a worker), then CPU. Each is tried for real (a tiny op must compute the
 * right value); the one active is returned. Works without a DOM: in a worker, and in Node, where
 * it falls through to 'cpu'. 'wasm' is accepted but only used if a wasm backend was registered
 * (this app does not ship @tensorflow/tfjs-backend-wasm), so it is skipped quietly otherwise.
 */
import * as tf from '@tensorflow/tfjs';

export type TfBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const DEFAULT_BACKEND_ORDER: readonly TfBackend[] = ['webgpu', 'webgl', 'cpu'];

function hasWebGL2(): boolean {
  try {
    if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1).getContext('webgl2') != null;
    if (typeof document !== 'undefined') return document.createElement('canvas').getContext('webgl2') != null;
  } catch {
    // A context that throws on creation is as good as none.
  }
  return false;
}

async function tryBackend(name: TfBackend): Promise<boolean> {
  try {
    if (name === 'webgpu') {
      if (!(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
    }
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
