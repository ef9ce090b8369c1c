/**
 * The connectors of scripts/packs/architectures.ts as TensorFlow.js functions, so they can be
 * trained: the same operations in the same order, reading parameters by their ONNX initializer
 * names. Trained values go back into buildConnector unchanged, and ORT then computes what this
 * computes (the training script and tests/packs/trained.test.ts check that). One entry per family
 * in FORWARD, like CONNECTOR_GRAPHS there.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConnectorShape, PackFamily } from '../packs/architectures.ts';

export type Params = ReadonlyMap<string, tf.Tensor>;

const LN_EPSILON = 1e-5;

function param(p: Params, name: string): tf.Tensor {
  const t = p.get(name);
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}

/** x W + b, W [in, out]: ONNX MatMul broadcasts W over the leading axes, so flatten them here. */
function linear(x: tf.Tensor, p: Params, name: string, bias = true): tf.Tensor {
  const w = param(p, `${name}.weight`) as tf.Tensor2D;
  const lead = x.shape.slice(0, -1);
  const y = tf.matMul(x.reshape([-1, x.shape[x.rank - 1]!]) as tf.Tensor2D, w).reshape([...lead, w.shape[1]]);
  return bias ? tf.add(y, param(p, `${name}.bias`)) : y;
}

/** ONNX LayerNormalization over the last axis: population variance, eps inside the root. */
function layerNorm(x: tf.Tensor, p: Params, name: string): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPSILON)));
  return tf.add(tf.mul(normed, param(p, `${name}.weight`)), param(p, `${name}.bias`));
}

/** Exact GELU, as Layers.gelu writes it: x (1 + erf(x / sqrt 2)) / 2. */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1)), 0.5);
}

function mlp(x: tf.Tensor, p: Params, name: string): tf.Tensor {
  return linear(gelu(linear(x, p, `${name}.fc1`)), p, `${name}.fc2`);
}

function attention(q: tf.Tensor, kv: tf.Tensor, dim: number, heads: number, p: Params, name: string): tf.Tensor {
  const head = dim / heads;
  const [n] = q.shape;
  const split = (x: tf.Tensor) => tf.transpose(x.reshape([n!, -1, heads, head]), [0, 2, 1, 3]);
  const qh = split(linear(q, p, `${name}.q`));
  const kT = tf.transpose(linear(kv, p, `${name}.k`).reshape([n!, -1, heads, head]), [0, 2, 3, 1]);
  const vh = split(linear(kv, p, `${name}.v`));
  const weights = tf.softmax(tf.mul(tf.matMul(qh, kT), 1 / Math.sqrt(head)), -1);
  const merged = tf.transpose(tf.matMul(weights, vh), [0, 2, 1, 3]).reshape([n!, -1, dim]);
  return linear(merged, p, `${name}.out`);
}

/**
 * Each family's forward pass, one entry per family with a built-in graph (the keys of
 * architectures.ts's CONNECTOR_GRAPHS): x [n, grid^2, dPre] -> [n, T', dPost].
 */
const FORWARD: Readonly<Record<PackFamily, (shape: ConnectorShape, p: Params, x: tf.Tensor3D) => tf.Tensor3D>> = {
  mlp: (_shape, p, x) => mlp(x, p, 'mlp') as tf.Tensor3D,
  merger(shape, p, x) {
    const n = x.shape[0];
    const d = shape.dPre;
    const h = shape.grid / 2;
    const normed = layerNorm(x, p, 'ln_q');
    const blocks = tf.transpose(normed.reshape([n, h, 2, h, 2, d]), [0, 1, 3, 2, 4, 5]).reshape([n, h * h, 4 * d]);
    return mlp(blocks, p, 'merger') as tf.Tensor3D;
  },
  'pixel-shuffle'(shape, p, x) {
    const n = x.shape[0];
    const d = shape.dPre;
    const s = shape.grid;
    let t = tf.transpose(x.reshape([n, s, s / 2, d * 2]), [0, 2, 1, 3]);
    t = tf.transpose(t.reshape([n, s / 2, s / 2, d * 4]), [0, 2, 1, 3]);
    return linear(t.reshape([n, (s * s) / 4, d * 4]), p, 'proj', false) as tf.Tensor3D;
  },
  perceiver(shape, p, x) {
    const n = x.shape[0];
    const dl = shape.dPost;
    const { queries, layers, heads } = shape.perceiver;
    const context = mlp(x, p, 'modality_projection');
    let latents: tf.Tensor = tf.tile(param(p, 'latents'), [n, 1, 1]);
    for (let i = 0; i < layers; i++) {
      const prefix = `layers.${i}`;
      const latNorm = layerNorm(latents, p, `${prefix}.norm_latents`);
      const ctxNorm = layerNorm(context, p, `${prefix}.norm_context`);
      const kv = tf.concat([ctxNorm, latNorm], 1);
      latents = tf.add(latents, attention(latNorm, kv, dl, heads, p, `${prefix}.attn`));
      latents = tf.add(latents, mlp(layerNorm(latents, p, `${prefix}.norm_mlp`), p, `${prefix}.mlp`));
    }
    return layerNorm(latents, p, 'norm').reshape([n, queries, dl]) as tf.Tensor3D;
  },
};

/** Pre-projection tokens [n, grid^2, dPre] -> post-projection tokens [n, T', dPost]. */
export function connectorForward(family: PackFamily, shape: ConnectorShape, p: Params, x: tf.Tensor3D): tf.Tensor3D {
  return FORWARD[family](shape, p, x);
}
