/**
 * Decode the weights of a TensorFlow.js model (`model.json`'s `weightsManifest` plus its shard
 * bytes) into float32 arrays, the way tfjs-core's `io.decodeWeights` does: the shards of every
 * group, concatenated in manifest order, hold each weight's bytes one after another; a quantised
 * weight (uint8 or uint16 with the manifest's `min` and `scale`) is `q * scale + min`, computed in
 * float64 and rounded to float32 (so the values are bit-identical to what tfjs loads); float16 is
 * widened; float32 is read as is (little-endian). Pure TypeScript: no tfjs, no DOM.
 */

export interface TfjsQuantization {
  readonly dtype: string;
  readonly min?: number;
  readonly scale?: number;
  readonly original_dtype?: string;
}
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: TfjsQuantization;
}
export interface TfjsWeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

export interface DecodedWeight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** A model.json or its weights that this code cannot read, with a message naming the culprit. */
export class TfjsConversionError extends Error {
  override name = 'TfjsConversionError';
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** IEEE 754 half precision to a JS number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * `data` is every shard of every group concatenated in manifest order (a single-shard model's
 * one file). Only float32 weights are decoded; other dtypes of fixed size are skipped over.
 */
export function decodeTfjsWeights(manifest: readonly TfjsWeightsGroup[], data: Uint8Array): Map<string, DecodedWeight> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Map<string, DecodedWeight>();
  let offset = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      const stored = q ? q.dtype : spec.dtype;
      const size = BYTES[stored];
      if (size === undefined) throw new TfjsConversionError(`weight ${spec.name}: stored dtype "${stored}" is not supported (float32, uint8, uint16, float16)`);
      const bytes = count * size;
      if (offset + bytes > data.length) {
        throw new TfjsConversionError(`weight ${spec.name}: needs bytes ${offset}..${offset + bytes}, but the weight data holds ${data.length} bytes`);
      }
      if (spec.dtype !== 'float32') {
        // Not a float weight (an int32 step counter, say): skipped; a layer that needs it is refused by name.
        offset += bytes;
        continue;
      }
      const values = new Float32Array(count);
      if (!q) {
        for (let i = 0; i < count; i++) values[i] = view.getFloat32(offset + 4 * i, true);
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        const { min, scale } = q;
        if (typeof min !== 'number' || typeof scale !== 'number')
          throw new TfjsConversionError(`weight ${spec.name}: ${q.dtype} quantisation without min and scale`);
        for (let i = 0; i < count; i++) {
          const v = q.dtype === 'uint8' ? data[offset + i]! : view.getUint16(offset + 2 * i, true);
          values[i] = v * scale + min;
        }
      } else if (q.dtype === 'float16') {
        for (let i = 0; i < count; i++) values[i] = halfToNumber(view.getUint16(offset + 2 * i, true));
      } else {
        throw new TfjsConversionError(`weight ${spec.name}: quantisation dtype "${q.dtype}" is not supported`);
      }
      if (out.has(spec.name)) throw new TfjsConversionError(`weight ${spec.name}: listed twice in the weights manifest`);
      out.set(spec.name, { shape: [...spec.shape], values });
      offset += bytes;
    }
  }
  if (offset !== data.length) throw new TfjsConversionError(`the weights manifest accounts for ${offset} bytes, but the weight data holds ${data.length}`);
  return out;
}
