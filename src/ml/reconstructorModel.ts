/**
 * The reconstructor f: P -> V of METHOD.md as explicit tfjs variables. Token-wise MLP when
 * T' = T: Linear(dL,dL) LN GELU Dropout, Linear(dL,h) LN GELU Dropout, Linear(h,dV). When T' != T,
 * a learned token-axis projection [T, T'] plus a per-position term first maps T' tokens to T.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom, type Random } from '../core/random.ts';

export interface ReconstructorShape {
  readonly tokensPre: number;
  readonly tokensPost: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly hidden: number;
}

export type ReconstructorKind = 'token-wise-mlp' | 'token-mixing-mlp';

export interface ReconstructorModel {
  readonly kind: ReconstructorKind;
  readonly shape: ReconstructorShape;
  readonly variables: readonly tf.Variable[];
  /** Matrices that get weight decay (not biases or LayerNorm parameters). */
  readonly decayed: readonly tf.Variable[];
  /** post: [B, T', dL] -> [B, T, dV]. */
  forward(post: tf.Tensor3D, training: boolean, dropoutSeed: number): tf.Tensor3D;
  dispose(): void;
}

export const DROPOUT = 0.1;

export function reconstructorKind(shape: Pick<ReconstructorShape, 'tokensPre' | 'tokensPost'>): ReconstructorKind {
  return shape.tokensPre === shape.tokensPost ? 'token-wise-mlp' : 'token-mixing-mlp';
}

export function parameterCount(shape: ReconstructorShape): number {
  const { tokensPre: T, tokensPost: Tp, dPre, dPost, hidden: h } = shape;
  const mlp = dPost * dPost + dPost + 2 * dPost + dPost * h + h + 2 * h + h * dPre + dPre;
  return reconstructorKind(shape) === 'token-mixing-mlp' ? mlp + T * Tp + T * dPost : mlp;
}

/** A variable from an initial tensor, disposing the initial tensor (tf.variable keeps its own copy). */
function variableFrom(initial: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(initial, true, name);
  initial.dispose();
  return v;
}

function glorot(random: Random, rows: number, cols: number, name: string): tf.Variable {
  const limit = Math.sqrt(6 / (rows + cols));
  const values = Float32Array.from({ length: rows * cols }, () => (2 * random() - 1) * limit);
  return variableFrom(tf.tensor2d(values, [rows, cols]), name);
}
const filled = (n: number, value: number, name: string) => variableFrom(tf.fill([n], value), name);

function layerNorm(x: tf.Tensor2D, gain: tf.Variable, bias: tf.Variable): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias);
}

const gelu = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));

export function createReconstructor(shape: ReconstructorShape, seed: number): ReconstructorModel {
  const random = seededRandom(seed);
  const { tokensPre: T, tokensPost: Tp, dPre, dPost, hidden } = shape;
  const kind = reconstructorKind(shape);
  const w1 = glorot(random, dPost, dPost, 'w1');
  const w2 = glorot(random, dPost, hidden, 'w2');
  const w3 = glorot(random, hidden, dPre, 'w3');
  const b1 = filled(dPost, 0, 'b1');
  const b2 = filled(hidden, 0, 'b2');
  const b3 = filled(dPre, 0, 'b3');
  const g1 = filled(dPost, 1, 'ln1_gain');
  const c1 = filled(dPost, 0, 'ln1_bias');
  const g2 = filled(hidden, 1, 'ln2_gain');
  const c2 = filled(hidden, 0, 'ln2_bias');
  const mix = kind === 'token-mixing-mlp' ? glorot(random, Tp, T, 'token_mix') : null;
  const position = kind === 'token-mixing-mlp' ? variableFrom(tf.zeros([T, dPost]), 'token_position') : null;
  const variables = [w1, b1, g1, c1, w2, b2, g2, c2, w3, b3, ...(mix && position ? [mix, position] : [])];
  const dropout = (x: tf.Tensor2D, training: boolean, seed: number) => (training ? (tf.dropout(x, DROPOUT, undefined, seed) as tf.Tensor2D) : x);

  return {
    kind,
    shape,
    variables,
    decayed: [w1, w2, w3, ...(mix ? [mix] : [])],
    forward(post, training, dropoutSeed) {
      const batch = post.shape[0];
      let tokens: tf.Tensor2D;
      if (mix && position) {
        // [B, T', dL] -> [B, dL, T'] -> (x) [T', T] -> [B, T, dL], plus a learned term per position.
        const flat = tf.reshape(tf.transpose(post, [0, 2, 1]), [batch * dPost, Tp]) as tf.Tensor2D;
        const mixed = tf.transpose(tf.reshape(tf.matMul(flat, mix), [batch, dPost, T]), [0, 2, 1]);
        tokens = tf.reshape(tf.add(mixed, position), [batch * T, dPost]);
      } else {
        tokens = tf.reshape(post, [batch * T, dPost]);
      }
      let h = dropout(gelu(layerNorm(tf.add(tf.matMul(tokens, w1), b1), g1, c1)), training, dropoutSeed);
      h = dropout(gelu(layerNorm(tf.add(tf.matMul(h, w2), b2), g2, c2)), training, dropoutSeed + 1);
      return tf.reshape(tf.add(tf.matMul(h, w3), b3), [batch, T, dPre]);
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}
