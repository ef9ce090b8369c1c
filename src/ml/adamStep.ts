/**
 * The AdamW step as one WebAssembly SIMD pass (scripts/kernels/adamStepWat.ts), with the moments
 * of every variable kept in the kernel's own memory. Each step copies a variable's gradient and
 * weights through in chunks, so the kernel's memory is the moments plus two chunks, whatever the
 * variable's size. The values equal tfjs's op-by-op Adam to the bit (see ml/leanAdam.ts).
 */
import { bytesFromBase64 } from '../core/base64.ts';
import { ADAM_STEP } from './adamStepWasm.ts';

/** The scalars of one step, each already a float32 value (Math.fround), as tfjs's scalars would be. */
export interface AdamConstants {
  readonly beta1: number;
  readonly beta2: number;
  /** 1 - beta1 and 1 - beta2. */
  readonly gain1: number;
  readonly gain2: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  readonly unbias1: number;
  readonly unbias2: number;
  readonly epsilon: number;
  readonly negativeLr: number;
  /** The decoupled weight decay's factor, 1 - lr * decay (1 for a variable that takes none). */
  readonly shrink: number;
}

type AdamStepExport = (
  gradientAt: number,
  weightsAt: number,
  mAt: number,
  vAt: number,
  count: number,
  beta1: number,
  beta2: number,
  gain1: number,
  gain2: number,
  unbias1: number,
  unbias2: number,
  epsilon: number,
  negativeLr: number,
  shrink: number,
) => void;

/** Values per chunk copied through the kernel (4 MB of gradient and 4 MB of weights). */
const CHUNK_VALUES = 1 << 20;
const PAGE_BYTES = 65_536;

/** Moments of `count` values: where m starts in the kernel's memory (v follows it). */
interface MomentSlot {
  readonly at: number;
  readonly count: number;
}

let compiled: WebAssembly.Module | null | undefined;
/** The compiled kernel, or null where this engine has no WebAssembly SIMD. Sync: the module is under 1 kB. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = bytesFromBase64(ADAM_STEP);
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Moments for any number of variables, each by a key, and the step over them. */
export class AdamKernel<Key> {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly step: AdamStepExport;
  private readonly slots = new Map<Key, MomentSlot>();
  /** Bytes taken by moments; the two chunks live right after them. */
  private top = 0;

  private constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.step = instance.exports['adamStep'] as AdamStepExport;
  }

  /** A kernel, or null where this engine cannot run it (the caller computes the step another way). */
  static create<Key>(): AdamKernel<Key> | null {
    const module = kernelModule();
    return module ? new AdamKernel<Key>(module) : null;
  }

  private ensureBytes(bytes: number): void {
    const missing = bytes - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE_BYTES));
  }

  private slotOf(key: Key, count: number): MomentSlot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { at: this.top, count };
      this.top += 8 * count;
      this.ensureBytes(this.top);
      // Fresh moments are zero; this memory may have held the chunks of an earlier step.
      new Float32Array(this.memory.buffer, slot.at, 2 * count).fill(0);
      this.slots.set(key, slot);
    } else if (slot.count !== count) throw new RangeError(`AdamKernel: a variable of ${slot.count} values now has ${count}`);
    return slot;
  }

  /**
   * Moves `weights` by `gradient` (equal lengths) and writes the moved values to `out`, updating
   * the key's moments. `weights` is only read, so it may be a backend's own array.
   */
  apply(key: Key, gradient: Float32Array, weights: Float32Array, out: Float32Array, constants: AdamConstants): void {
    const count = weights.length;
    if (gradient.length !== count || out.length !== count)
      throw new RangeError(`AdamKernel: ${gradient.length} gradients and ${out.length} outputs for ${count} weights`);
    const slot = this.slotOf(key, count);
    const chunk = Math.min(CHUNK_VALUES, count);
    const gradientAt = this.top;
    const weightsAt = gradientAt + 4 * chunk;
    this.ensureBytes(weightsAt + 4 * chunk);
    // Views after any growth: growing detaches the old buffer.
    const heap = new Float32Array(this.memory.buffer);
    const { beta1, beta2, gain1, gain2, unbias1, unbias2, epsilon, negativeLr, shrink } = constants;
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      heap.set(gradient.subarray(start, end), gradientAt / 4);
      heap.set(weights.subarray(start, end), weightsAt / 4);
      this.step(
        gradientAt,
        weightsAt,
        slot.at + 4 * start,
        slot.at + 4 * (slot.count + start),
        end - start,
        beta1,
        beta2,
        gain1,
        gain2,
        unbias1,
        unbias2,
        epsilon,
        negativeLr,
        shrink,
      );
      out.set(heap.subarray(weightsAt / 4, weightsAt / 4 + (end - start)), start);
    }
  }

  /** Whether the key has moments here (it has taken a step). */
  has(key: Key): boolean {
    return this.slots.has(key);
  }

  /** The key's first and second moments (copies), or null before its first step: for tests. */
  moments(key: Key): { m: Float32Array; v: Float32Array } | null {
    const slot = this.slots.get(key);
    if (!slot) return null;
    const heap = new Float32Array(this.memory.buffer);
    return { m: heap.slice(slot.at / 4, slot.at / 4 + slot.count), v: heap.slice(slot.at / 4 + slot.count, slot.at / 4 + 2 * slot.count) };
  }
}
