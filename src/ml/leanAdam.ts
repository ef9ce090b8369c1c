/**
 * AdamW with tf.train.adam's arithmetic, op for op (so a run gives the same weights to the last bit),
 * then decoupled weight decay on the matrices that take it, one variable at a time.
 *
 * Two ways to compute the same float32 values:
 * - On the backends that compute on this thread's CPU (wasm, cpu), one fused WebAssembly SIMD
 *   pass per variable (ml/adamStep.ts): every tfjs op of the update and the decay (about fifteen,
 *   each a pass over a temporary the size of the matrix) becomes one float32 operation in a
 *   single loop, so the values are the ops' to the bit. The moments live in the kernel's memory,
 *   out of tfjs's WebAssembly heap. At LLaVA-1.5 widths (29 M parameters, a 4,096 x 4,096 first
 *   layer) tfjs's ops took about 530 ms of a 1.4 s training step here.
 * - On a GPU backend (webgpu, webgl) the same ops as tensors, so nothing is read back: each
 *   temporary is freed as soon as it is used, where tf.train.adam keeps about 13 tensors the size
 *   of each matrix until the whole step ends (870 MB of heap at LLaVA width).
 * Hand-written for memory and time (tfjs has no fused or lower-memory Adam); checked against
 * tf.train.adam on both paths in tests/ml/leanAdam.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamKernel, type AdamConstants } from './adamStep.ts';
import { activeWasmBackend, heapValues, unsetTensor } from './tfWasmHeap.ts';

/** A step's decoupled weight decay: these variables are multiplied by `factor` (1 - lr * decay) after Adam moves them. */
export interface DecoupledDecay {
  readonly variables: ReadonlySet<tf.Variable>;
  readonly factor: number;
}

export interface LeanAdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  /** As tf.train.adam: the backend's epsilon when none is given. */
  readonly epsilon?: number;
  /** The tensor ops on every backend (the GPU path), for tests that compare the two. */
  readonly tensorOpsOnly?: boolean;
}

const NO_DECAY: DecoupledDecay = { variables: new Set(), factor: 1 };

/** The backends whose tensors are in this thread's memory: reading them back costs a copy, not a GPU round trip. */
const CPU_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

const f32 = Math.fround;

export class LeanAdam {
  /** The moments on a GPU backend (tensorStep), as tensors. */
  private readonly moments = new Map<tf.Variable, { readonly m: tf.Variable; readonly v: tf.Variable }>();
  /** The moments and the fused pass on a CPU backend; null where WebAssembly SIMD is missing; undefined before the first step. */
  private kernel: AdamKernel<tf.Variable> | null | undefined;
  /** beta1^t and beta2^t as float32 (tf.train.adam keeps them in float32 variables). */
  private accBeta1: number;
  private accBeta2: number;
  /** As tf.train.adam: the backend's epsilon when none is given. */
  private readonly epsilon: number;

  private readonly beta1: number;
  private readonly beta2: number;
  private readonly tensorOpsOnly: boolean;

  constructor(options: LeanAdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.tensorOpsOnly = options.tensorOpsOnly ?? false;
    this.accBeta1 = f32(this.beta1);
    this.accBeta2 = f32(this.beta2);
    this.epsilon = options.epsilon ?? tf.backend().epsilon();
  }

  /**
   * One step at learning rate `lr`: each variable moved by its gradient (same order as given), then
   * the decayed ones shrunk. The gradients are the caller's to dispose.
   */
  apply(lr: number, pairs: readonly (readonly [tf.Variable, tf.Tensor])[], decay: DecoupledDecay = NO_DECAY): void {
    // The kernel is made at the first step on a CPU backend (and kept: its memory holds the moments).
    const onCpu = CPU_BACKENDS.has(tf.getBackend()) && !this.tensorOpsOnly;
    if (this.kernel === undefined && onCpu) this.kernel = AdamKernel.create();
    const kernel = onCpu ? this.kernel : null;
    for (const [value, gradient] of pairs) {
      const keep = decay.variables.has(value) ? decay.factor : 1;
      if (kernel) this.fusedStep(kernel, lr, value, gradient, keep);
      else this.tensorStep(lr, value, gradient, keep);
    }
    // tf.mul of two float32 scalars.
    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
  }

  private fusedStep(kernel: AdamKernel<tf.Variable>, lr: number, value: tf.Variable, gradient: tf.Tensor, keep: number): void {
    if (this.moments.has(value)) throw new Error('LeanAdam: the backend changed during training');
    const constants: AdamConstants = {
      // Each constant is the float32 scalar tfjs would make of the same JavaScript number.
      beta1: f32(this.beta1),
      beta2: f32(this.beta2),
      gain1: f32(1 - this.beta1),
      gain2: f32(1 - this.beta2),
      unbias1: f32(1 - this.accBeta1),
      unbias2: f32(1 - this.accBeta2),
      epsilon: f32(this.epsilon),
      negativeLr: f32(-lr),
      shrink: f32(keep),
    };
    const wasm = activeWasmBackend();
    if (wasm) {
      // Read and written where tfjs keeps them: the moved weights go straight into a new tensor.
      const moved = unsetTensor(wasm, value.shape);
      kernel.apply(value, heapValues(wasm, gradient), heapValues(wasm, value), heapValues(wasm, moved), constants);
      value.assign(moved);
      moved.dispose();
    } else {
      // tfjs-cpu's dataSync is its own array (only read here), and tf.tensor keeps the one it is given.
      const moved = new Float32Array(value.size);
      kernel.apply(value, gradient.dataSync() as Float32Array, value.dataSync() as Float32Array, moved, constants);
      tf.tidy(() => value.assign(tf.tensor(moved, value.shape, 'float32')));
    }
  }

  private tensorStep(lr: number, value: tf.Variable, gradient: tf.Tensor, keep: number): void {
    if (this.kernel?.has(value)) throw new Error('LeanAdam: the backend changed during training');
    let state = this.moments.get(value);
    if (!state) {
      state = { m: tf.tidy(() => tf.zerosLike(value).variable(false)), v: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      this.moments.set(value, state);
    }
    const { m, v } = state;
    // assign() takes the new tensor's data: the handle is let go, the values live on in m and v.
    const newM = tf.tidy(() => tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1)));
    m.assign(newM);
    newM.dispose();
    const newV = tf.tidy(() => tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2)));
    v.assign(newV);
    newV.dispose();
    const denominator = tf.tidy(() => tf.add(tf.sqrt(tf.div(v, f32(1 - this.accBeta2))), this.epsilon));
    const step = tf.tidy(() => tf.mul(tf.div(tf.div(m, f32(1 - this.accBeta1)), denominator), -lr));
    denominator.dispose();
    const moved = tf.add(step, value);
    step.dispose();
    value.assign(moved);
    moved.dispose();
    if (keep !== 1) tf.tidy(() => value.assign(tf.mul(value, keep)));
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
    // The kernel's memory (the moments on a CPU backend) goes with it.
    this.kernel = null;
  }
}
