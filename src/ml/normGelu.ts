/**
 * The reconstructor's hidden layer after each product, dropout(GELU(LayerNorm(z + bias))), as one
 * differentiable tfjs op whose forward and backward passes are each one call into a small
 * WebAssembly kernel (scripts/kernels/normGeluWat.ts) working where tfjs-wasm keeps the tensors.
 *
 * Why: as tfjs ops the layer is some twenty kernels forward and forty backward (the moments, the
 * normalisation, erf, dropout's mask, and autodiff's gradient of each). At the default pack's size
 * a training step was 277 kernel calls, and their dispatch and bookkeeping, not their arithmetic,
 * took most of its 30 ms. On other backends (cpu, WebGPU) the layer stays the ops, written here
 * once (hiddenLayerOps), which are also the reference the fused layer is tested against.
 *
 * Dropout forms tf.dropout's multiplier, floor(u + keep) / keep, for a uniform u the kernel draws
 * itself: a counter-based hash of each value's index and the step's seed (dropoutMultipliers
 * below is the same draw in JavaScript). tf.randomUniform's generator, which tf.dropout uses,
 * runs in JavaScript one value at a time: 3-4 ms of an 18 ms step at the default pack's size. So
 * the fused layer drops other values than tf.dropout would for the same seed, at the same rate;
 * a backward pass draws the same ones as its forward pass, so nothing is kept in between.
 */
import * as tf from '@tensorflow/tfjs';
import { bytesFromBase64 } from '../core/base64.ts';
import { NORM_GELU, NORM_GELU_SHARED } from './normGeluWasm.ts';
import { heapKernel, unsetTensor } from './tfWasmHeap.ts';

/** Dropout in training: the rate and tf.dropout's seed. */
export interface LayerDropout {
  readonly rate: number;
  readonly seed: number;
}

type ForwardExport = (
  z: number,
  bias: number,
  gain: number,
  shift: number,
  seedMix: number,
  dropout: number,
  keep: number,
  rows: number,
  d: number,
  h: number,
  xhat: number,
  sigmas: number,
) => void;
type BackwardExport = (
  dh: number,
  xhat: number,
  sigmas: number,
  gain: number,
  shift: number,
  seedMix: number,
  dropout: number,
  keep: number,
  rows: number,
  d: number,
  dz: number,
  dgain: number,
  dshift: number,
  dbias: number,
) => void;

/** lowbias32 (Chris Wellons' 32-bit integer hash), as the kernel computes it lane by lane. */
function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** What the kernel adds to each index's hash before hashing again: the seed, hashed. */
export const dropoutSeedMix = (seed: number): number => hash32(seed >>> 0);

/**
 * The fused layer's dropout multipliers for values 0..count-1 of a matrix (row-major) and a seed:
 * u = hash(hash(i) + seedMix) to 24 bits over 2^24, then floor(u + keep) / keep in float32, as
 * tf.dropout forms its multiplier. The kernel draws the same; the tests hold it to this.
 */
export function dropoutMultipliers(seed: number, count: number, rate: number): Float32Array {
  const keep = Math.fround(1 - rate);
  const mix = dropoutSeedMix(seed);
  return Float32Array.from({ length: count }, (_, i) => {
    const u = (hash32((hash32(i) + mix) >>> 0) >>> 8) * 2 ** -24;
    return Math.fround(Math.floor(Math.fround(u + keep)) / keep);
  });
}

export interface NormGeluKernel {
  readonly forward: ForwardExport;
  readonly backward: BackwardExport;
}

/** The kernel over `memory` (tfjs-wasm's heap, shared or not). Compiled synchronously: a few kilobytes, called from tfjs's synchronous gradient code. */
export function normGeluKernel(memory: WebAssembly.Memory): NormGeluKernel {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytesFromBase64(shared ? NORM_GELU_SHARED : NORM_GELU)), { env: { memory } });
  return { forward: instance.exports.forward as ForwardExport, backward: instance.exports.backward as BackwardExport };
}

const fusedLayer = heapKernel((_, memory) => normGeluKernel(memory));

/** Lets the layer run fused where it can (the default) or always as ops: tests and the bench compare the two. */
export function allowFusedLayer(allow: boolean): void {
  fusedLayer.allow(allow);
}

function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, shift: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), shift);
}

const gelu = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));

/** The layer as tfjs ops: z [rows, d] plus bias, LayerNorm (gain, shift), GELU, and dropout in training. */
export function hiddenLayerOps(z: tf.Tensor2D, bias: tf.Tensor, gain: tf.Tensor, shift: tf.Tensor, dropout: LayerDropout | null): tf.Tensor2D {
  const h = gelu(layerNorm(tf.add(z, bias), gain, shift));
  return dropout && dropout.rate > 0 ? (tf.dropout(h, dropout.rate, undefined, dropout.seed) as tf.Tensor2D) : h;
}

/** The layer, fused on tfjs-wasm (rows of a multiple of 4 values), as ops elsewhere. */
export function hiddenLayer(z: tf.Tensor2D, bias: tf.Tensor, gain: tf.Tensor, shift: tf.Tensor, dropout: LayerDropout | null): tf.Tensor2D {
  const active = fusedLayer.here();
  if (!active || z.shape[1] % 4 !== 0 || z.dtype !== 'float32') return hiddenLayerOps(z, bias, gain, shift, dropout);
  const { backend, kernel } = active;
  const [rows, d] = z.shape;
  const noisy = dropout !== null && dropout.rate > 0;
  const keep = noisy ? 1 - dropout.rate : 1;
  const seedMix = noisy ? dropoutSeedMix(dropout.seed) : 0;
  const at = (t: tf.Tensor) => backend.getMemoryOffset(t.dataId);
  const fused = tf.customGrad(((zIn: tf.Tensor, biasIn: tf.Tensor, gainIn: tf.Tensor, shiftIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const h = unsetTensor(backend, [rows, d]);
    const xhat = unsetTensor(backend, [rows, d]);
    const sigmas = unsetTensor(backend, [rows]);
    // Offsets only after every allocation: they do not move, but a view would (the heap may grow).
    kernel.forward(at(zIn), at(biasIn), at(gainIn), at(shiftIn), seedMix, noisy ? 1 : 0, keep, rows, d, at(h), at(xhat), at(sigmas));
    save([xhat, sigmas]);
    return {
      value: h,
      gradFunc: (dh: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXhat, savedSigmas] = saved as [tf.Tensor, tf.Tensor];
        const dz = unsetTensor(backend, [rows, d]);
        const dgain = unsetTensor(backend, [d]);
        const dshift = unsetTensor(backend, [d]);
        const dbias = unsetTensor(backend, [d]);
        kernel.backward(
          at(dh),
          at(savedXhat),
          at(savedSigmas),
          at(gainIn),
          at(shiftIn),
          seedMix,
          noisy ? 1 : 0,
          keep,
          rows,
          d,
          at(dz),
          at(dgain),
          at(dshift),
          at(dbias),
        );
        return [dz, dbias, dgain, dshift];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fused(z, bias, gain, shift) as tf.Tensor2D;
}
