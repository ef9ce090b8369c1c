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
  const t = halfTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
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
