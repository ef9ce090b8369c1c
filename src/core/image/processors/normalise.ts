/**
 * HF's rescale then normalise, in transformers' numpy arithmetic: rescale multiplies in float64 and
 * stores float32; normalise subtracts a float32 mean and divides by a float32 std in float32.
 * Math.fround after each float64 operation on float32 operands gives the float32 result exactly,
 * so the output is bit-for-bit what transformers computes.
 */
import type { CommonConfig } from './processorConfig.ts';

/** Interleaved 8-bit RGB [height, width, 3] -> normalised planar float32 [3, height, width]. */
export function rescaleNormaliseChw(rgb: Uint8Array, width: number, height: number, cfg: CommonConfig): Float32Array {
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new RangeError(`invalid image: expected ${plane * 3} RGB bytes for ${width} x ${height}, got ${rgb.length}`);
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    // Per-channel lookup: 256 possible inputs, each computed once.
    const lut = new Float32Array(256);
    const mean = Math.fround(cfg.mean[c]!);
    const std = Math.fround(cfg.std[c]!);
    for (let v = 0; v < 256; v++) {
      let x = cfg.doRescale ? Math.fround(v * cfg.rescaleFactor) : v;
      if (cfg.doNormalize) x = Math.fround(Math.fround(x - mean) / std);
      lut[v] = x;
    }
    const base = c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = lut[rgb[p * 3 + c]!]!;
  }
  return out;
}
