/**
 * An independent forward pass of the built-in packs in plain TypeScript (float64 loops), reading
 * weights from the ONNX initializers by name. It shares no code with the graph builder: if the
 * ONNX wiring (reshapes, transposes, attention heads, GELU) were wrong, the two would disagree.
 */
import type { ModelInfo } from '../../scripts/onnx/readModel.ts';

type Mat = { rows: number; cols: number; data: Float64Array<ArrayBuffer> };

const mat = (rows: number, cols: number, data = new Float64Array(rows * cols)): Mat => ({ rows, cols, data });

export function weight(model: ModelInfo, name: string): Float64Array<ArrayBuffer> {
  const init = model.initializers.get(name);
  if (!init || !(init.data instanceof Float32Array)) throw new Error(`missing float initializer ${name}`);
  return Float64Array.from(init.data);
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), a different route from ONNX's Erf kernel. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const gelu = (m: Mat): Mat =>
  mat(
    m.rows,
    m.cols,
    m.data.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))),
  );

function linear(model: ModelInfo, x: Mat, name: string, bias = true): Mat {
  const w = weight(model, `${name}.weight`);
  const out = w.length / x.cols;
  const b = bias ? weight(model, `${name}.bias`) : new Float64Array(out);
  const y = mat(x.rows, out);
  for (let r = 0; r < x.rows; r++)
    for (let o = 0; o < out; o++) {
      let s = b[o]!;
      for (let i = 0; i < x.cols; i++) s += x.data[r * x.cols + i]! * w[i * out + o]!;
      y.data[r * out + o] = s;
    }
  return y;
}

function layerNorm(model: ModelInfo, x: Mat, name: string): Mat {
  const g = weight(model, `${name}.weight`);
  const b = weight(model, `${name}.bias`);
  const y = mat(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    let mean = 0;
    for (let c = 0; c < x.cols; c++) mean += x.data[r * x.cols + c]!;
    mean /= x.cols;
    let v = 0;
    for (let c = 0; c < x.cols; c++) v += (x.data[r * x.cols + c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / x.cols + 1e-5);
    for (let c = 0; c < x.cols; c++) y.data[r * x.cols + c] = (x.data[r * x.cols + c]! - mean) * inv * g[c]! + b[c]!;
  }
  return y;
}

const add = (a: Mat, b: Mat): Mat =>
  mat(
    a.rows,
    a.cols,
    a.data.map((v, i) => v + b.data[i]!),
  );
const mlp = (model: ModelInfo, x: Mat, name: string): Mat => linear(model, gelu(linear(model, x, `${name}.fc1`)), `${name}.fc2`);

function attention(model: ModelInfo, q: Mat, kv: Mat, heads: number, name: string): Mat {
  const Q = linear(model, q, `${name}.q`);
  const K = linear(model, kv, `${name}.k`);
  const V = linear(model, kv, `${name}.v`);
  const d = Q.cols;
  const hd = d / heads;
  const merged = mat(q.rows, d);
  const scores = new Float64Array(kv.rows);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < q.rows; i++) {
      let max = -Infinity;
      for (let j = 0; j < kv.rows; j++) {
        let s = 0;
        for (let c = 0; c < hd; c++) s += Q.data[i * d + h * hd + c]! * K.data[j * d + h * hd + c]!;
        scores[j] = s / Math.sqrt(hd);
        max = Math.max(max, scores[j]!);
      }
      let z = 0;
      for (let j = 0; j < kv.rows; j++) z += scores[j] = Math.exp(scores[j]! - max);
      for (let c = 0; c < hd; c++) {
        let s = 0;
        for (let j = 0; j < kv.rows; j++) s += (scores[j]! / z) * V.data[j * d + h * hd + c]!;
        merged.data[i * d + h * hd + c] = s;
      }
    }
  }
  return linear(model, merged, `${name}.out`);
}

export const REF = { image: 224, patch: 16, grid: 14, dim: 64, depth: 4, heads: 4 };

/** pixels: one image, CHW float32. Returns [196, 64]. */
export function referenceEncoder(model: ModelInfo, pixels: Float32Array): Mat {
  const { image, patch, grid, dim, depth, heads } = REF;
  const w = weight(model, 'patch_embed.weight');
  const b = weight(model, 'patch_embed.bias');
  let x = mat(grid * grid, dim);
  for (let gy = 0; gy < grid; gy++)
    for (let gx = 0; gx < grid; gx++)
      for (let o = 0; o < dim; o++) {
        let s = b[o]!;
        for (let c = 0; c < 3; c++)
          for (let ky = 0; ky < patch; ky++)
            for (let kx = 0; kx < patch; kx++)
              s += w[((o * 3 + c) * patch + ky) * patch + kx]! * pixels[(c * image + gy * patch + ky) * image + gx * patch + kx]!;
        x.data[(gy * grid + gx) * dim + o] = s;
      }
  x = add(x, mat(grid * grid, dim, weight(model, 'pos_embed')));
  for (let l = 0; l < depth; l++) {
    const n1 = layerNorm(model, x, `blocks.${l}.norm1`);
    x = add(x, attention(model, n1, n1, heads, `blocks.${l}.attn`));
    x = add(x, mlp(model, layerNorm(model, x, `blocks.${l}.norm2`), `blocks.${l}.mlp`));
  }
  return x;
}

/** Qwen2.5-VL merger order: token j is block (j / g, j % g); its r x r patches concatenated row-major along channels. */
export function gatherBlocks(x: Mat, grid: number, r: number): Mat {
  const g = grid / r;
  const out = mat(g * g, x.cols * r * r);
  for (let by = 0; by < g; by++)
    for (let bx = 0; bx < g; bx++)
      for (let dy = 0; dy < r; dy++)
        for (let dx = 0; dx < r; dx++) {
          const src = (by * r + dy) * grid + (bx * r + dx);
          const at = (by * g + bx) * out.cols + (dy * r + dx) * x.cols;
          for (let c = 0; c < x.cols; c++) out.data[at + c] = x.data[src * x.cols + c]!;
        }
  return out;
}

/** torch's x.permute(perm).contiguous() on a row-major array of the given shape. */
function permute(data: Float64Array<ArrayBuffer>, shape: readonly number[], perm: readonly number[]): Float64Array<ArrayBuffer> {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]!);
  const out = new Float64Array(data.length);
  const index = outShape.map(() => 0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += index[k]! * strides[perm[k]!]!;
    out[o] = data[src]!;
    for (let k = outShape.length - 1; k >= 0 && ++index[k]! === outShape[k]; k--) index[k] = 0;
  }
  return out;
}

/**
 * HF Idefics3's pixel_shuffle(x, scale), step for step (batch of one; view/reshape only relabel
 * the row-major shape): view [h, w/s, e*s] -> permute(1, 0, 2) -> reshape [w/s, h/s, e*s*s]
 * -> permute(1, 0, 2) -> reshape [T/s^2, e*s^2].
 */
export function pixelShuffleHF(x: Mat, scale: number): Mat {
  const side = Math.sqrt(x.rows);
  const e = x.cols;
  const once = permute(x.data, [side, side / scale, e * scale], [1, 0, 2]);
  const twice = permute(once, [side / scale, side / scale, e * scale * scale], [1, 0, 2]);
  return mat(x.rows / (scale * scale), e * scale * scale, twice);
}

export function referenceConnector(model: ModelInfo, family: string, pre: Mat): Mat {
  switch (family) {
    case 'mlp':
      return mlp(model, pre, 'mlp');
    case 'merger':
      return mlp(model, gatherBlocks(layerNorm(model, pre, 'ln_q'), REF.grid, 2), 'merger');
    case 'pixel-shuffle':
      return linear(model, pixelShuffleHF(pre, 2), 'proj', false);
    case 'perceiver': {
      const context = mlp(model, pre, 'modality_projection');
      let latents = mat(16, 128, weight(model, 'latents'));
      for (let l = 0; l < 2; l++) {
        const ln = layerNorm(model, latents, `layers.${l}.norm_latents`);
        const cn = layerNorm(model, context, `layers.${l}.norm_context`);
        const kv = mat(cn.rows + ln.rows, 128, new Float64Array([...cn.data, ...ln.data]));
        latents = add(latents, attention(model, ln, kv, 4, `layers.${l}.attn`));
        latents = add(latents, mlp(model, layerNorm(model, latents, `layers.${l}.norm_mlp`), `layers.${l}.mlp`));
      }
      return layerNorm(model, latents, 'norm');
    }
    default:
      throw new Error(`unknown family ${family}`);
  }
}

export { mat, type Mat };
