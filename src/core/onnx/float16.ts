/**
 * IEEE 754 half precision to float32. ONNX Runtime Web hands float16 outputs over as a
 * Float16Array where the JS engine has one, and otherwise as the raw bits in a Uint16Array;
 * fp16 exports (vision_encoder_fp16.onnx) produce those.
 */

let table: Float32Array | null = null;

/** All 65,536 half values, built once (256 kB): a lookup per element beats bit arithmetic. */
function halfTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) t[h] = sign * fraction * 2 ** -24;
    else if (exponent === 31) t[h] = fraction === 0 ? sign * Infinity : Number.NaN;
    else t[h] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  table = t;
  return t;
}

/** Half-precision bit patterns to float32 values (exact: every half is a float32). */
export function halfBitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  halfBitsToFloat32Into(bits, out, 0);
  return out;
}

/** As halfBitsToFloat32, written into `out` from `offset`: no array of its own (a stack of many images widens in place). */
export function halfBitsToFloat32Into(bits: Uint16Array, out: Float32Array, offset: number): void {
  if (offset < 0 || offset + bits.length > out.length) throw new RangeError(`${bits.length} values from ${offset} do not fit ${out.length}`);
  const t = halfTable();
  for (let i = 0; i < bits.length; i++) out[offset + i] = t[bits[i]!]!;
}

/**
 * A float tensor's data as float32, whatever ORT handed over: float32 (copied, so ORT's memory
 * can be released), float16 bits (Uint16Array) or Float16Array values. Null for other types.
 */
export function floatDataToFloat32(type: string, data: unknown): Float32Array | null {
  if (type === 'float32' && data instanceof Float32Array) return new Float32Array(data);
  if (type !== 'float16') return null;
  if (data instanceof Uint16Array) return halfBitsToFloat32(data);
  // A Float16Array (ES2025) holds numbers already; anything else is not what ORT documents.
  const F16 = (globalThis as { Float16Array?: new (...args: never[]) => ArrayLike<number> }).Float16Array;
  if (F16 && data instanceof F16) return Float32Array.from(data as ArrayLike<number>);
  return null;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** Shift right with round-half-to-even, for the bits dropped when narrowing a significand. */
function shiftRounded(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/**
 * float32 values to half-precision bit patterns, rounded to nearest (ties to even) as IEEE 754
 * and numpy's astype(float16) do: what an fp16 export's float16 inputs take (ORT Web accepts the
 * bits as a Uint16Array). Out-of-range values become infinities, tiny ones subnormals or zero.
 */
export function float32ToHalfBits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    scratch[0] = values[i]!;
    const x = scratchBits[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    const fraction = x & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (fraction === 0 ? 0 : 0x200);
      continue;
    }
    const e = exponent - 127 + 15;
    if (e >= 31) out[i] = sign | 0x7c00;
    // A half subnormal is m * 2^-24: the full significand shifted by 14 - e (e <= 0).
    else if (e <= 0) out[i] = e < -10 ? sign : sign | shiftRounded(fraction | 0x800000, 14 - e);
    // A carry out of the fraction bumps the exponent, up to infinity: the bit layout makes that right.
    else out[i] = sign | shiftRounded((e << 23) | fraction, 13);
  }
  return out;
}
