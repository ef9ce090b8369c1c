/**
 * TensorFlow.js backend choice for the training worker: WebGPU, then WebGL (through
 * OffscreenCanvas in a worker), then CPU. Each is tried for real; the one active is returned.
 */
import * as tf from '@tensorflow/tfjs';

export type TfBackend = 'webgpu' | 'webgl' | 'cpu';

async function tryBackend(name: TfBackend): Promise<boolean> {
  try {
    if (name === 'webgpu') {
      if (!(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') return false;
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

export async function selectTfBackend(preferred: readonly TfBackend[] = ['webgpu', 'webgl', 'cpu']): Promise<TfBackend> {
  for (const name of preferred) {
    if (tf.getBackend() === name) return name;
    if (await tryBackend(name)) return name;
  }
  throw new Error(`no TensorFlow.js backend works here (tried ${preferred.join(', ')})`);
}
