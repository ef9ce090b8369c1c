/**
 * The reconstructor f: P -> V of docs/method.md as explicit tfjs variables. Token-wise MLP when
 * T' = T: Linear(dL,dL) LN GELU Dropout, Linear(dL,h) LN GELU Dropout, Linear(h,dV). When T' != T,
 * a learned token-axis projection W_tok (T x T', stored transposed as 'token_mix' [T', T]) plus a
 * learned per-position term 'token_position' [T, dL] first maps T' tokens to T.
 *
 * The three Linear matrices live as [out, in] (torch.nn.Linear's layout), which keeps every
 * product on tfjs-wasm's fast path (see denseMatMul.ts); weights() hands them out as [in, out],
 * the app's documented layout (core/export/reconstructorExport.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom, type Random } from '../core/random.ts';
import { linear, linearOnData, matMulTrainable } from './denseMatMul.ts';
import { hiddenLayer } from './normGelu.ts';

export interface ReconstructorShape {
  readonly tokensPre: number;
  readonly tokensPost: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly hidden: number;
}

export type ReconstructorKind = 'token-wise-mlp' | 'token-mixing-mlp';

/** One trained parameter under its logical name, matrices as [in, out]. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface ReconstructorModel {
  readonly kind: ReconstructorKind;
  readonly shape: ReconstructorShape;
  readonly variables: readonly tf.Variable[];
  /** Logical name of each variable ('w1', 'ln1_gain', 'token_mix', ...), parallel to `variables`. */
  readonly names: readonly string[];
  /** Matrices that get weight decay (not biases or LayerNorm parameters). */
  readonly decayed: readonly tf.Variable[];
  /** post: [B, T', dL] -> [B, T, dV]. */
  forward(post: tf.Tensor3D, training: boolean, dropoutSeed: number): tf.Tensor3D;
  /** Every parameter's current values under its logical name, matrices as [in, out], each in an own buffer (safe to transfer). */
  weights(): Promise<NamedWeight[]>;
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

function glorotValues(random: Random, rows: number, cols: number): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  return Float32Array.from({ length: rows * cols }, () => (2 * random() - 1) * limit);
}

function glorot(random: Random, rows: number, cols: number, name: string): tf.Variable {
  return variableFrom(tf.tensor2d(glorotValues(random, rows, cols), [rows, cols]), name);
}

/** A Linear weight drawn as [inputs, outputs] (the same draws as before the layout changed) and kept as [outputs, inputs]. */
function glorotOutIn(random: Random, inputs: number, outputs: number, name: string): tf.Variable {
  const drawn = tf.tensor2d(glorotValues(random, inputs, outputs), [inputs, outputs]);
  const kept = tf.transpose(drawn);
  drawn.dispose();
  return variableFrom(kept, name);
}
const filled = (n: number, value: number, name: string) => variableFrom(tf.fill([n], value), name);

/**
 * tfjs variable names are global and must be unique, so each model prefixes its own: two models
 * may be alive at once (a cancelled run still disposing while the next one starts).
 */
let instances = 0;

export interface ReconstructorOptions {
  /** Rate of both dropout layers (docs/method.md: 0.1); it acts only when forward(training = true). */
  readonly dropout?: number;
  /**
   * Token-mixing variant only: for each pre token t, the post token it was merged into (from the
   * connector geometry), or -1 where there is none (perceiver). Initialises the token-axis
   * projection as that routing (1 on the source, 0 elsewhere; a uniform 1/T' column for -1)
   * instead of Glorot. Without it, the projection has to discover the routing from N samples
   * per entry, which it fails to do on small collections.
   */
  readonly tokenSource?: ArrayLike<number>;
}

/** Initial token-axis projection [T', T] from a routing: see ReconstructorOptions.tokenSource. */
export function routingMatrix(tokenSource: ArrayLike<number>, tokensPost: number): Float32Array {
  const T = tokenSource.length;
  const m = new Float32Array(tokensPost * T);
  for (let t = 0; t < T; t++) {
    const j = tokenSource[t]!;
    if (j === -1) for (let k = 0; k < tokensPost; k++) m[k * T + t] = 1 / tokensPost;
    else if (Number.isInteger(j) && j >= 0 && j < tokensPost) m[j * T + t] = 1;
    else throw new RangeError(`invalid tokenSource[${t}]: ${j} (expected -1 or 0..${tokensPost - 1})`);
  }
  return m;
}

export function createReconstructor(shape: ReconstructorShape, seed: number, options: ReconstructorOptions = {}): ReconstructorModel {
  const { dropout = DROPOUT, tokenSource } = options;
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`invalid dropout: ${dropout}`);
  if (tokenSource && tokenSource.length !== shape.tokensPre)
    throw new RangeError(`invalid tokenSource: ${tokenSource.length} entries for ${shape.tokensPre} pre tokens`);
  const random = seededRandom(seed);
  const { tokensPre: T, tokensPost: Tp, dPre, dPost, hidden } = shape;
  const kind = reconstructorKind(shape);
  // Validated before any variable exists, so a bad routing leaks nothing.
  const routing = kind === 'token-mixing-mlp' && tokenSource ? routingMatrix(tokenSource, Tp) : null;
  const prefix = `reconstructor${++instances}/`;
  const names: string[] = [];
  const named = (name: string) => (names.push(name), prefix + name);
  const w1 = glorotOutIn(random, dPost, dPost, named('w1'));
  const b1 = filled(dPost, 0, named('b1'));
  const g1 = filled(dPost, 1, named('ln1_gain'));
  const c1 = filled(dPost, 0, named('ln1_bias'));
  const w2 = glorotOutIn(random, dPost, hidden, named('w2'));
  const b2 = filled(hidden, 0, named('b2'));
  const g2 = filled(hidden, 1, named('ln2_gain'));
  const c2 = filled(hidden, 0, named('ln2_bias'));
  const w3 = glorotOutIn(random, hidden, dPre, named('w3'));
  const b3 = filled(dPre, 0, named('b3'));
  const mix =
    kind !== 'token-mixing-mlp' ? null : routing ? variableFrom(tf.tensor2d(routing, [Tp, T]), named('token_mix')) : glorot(random, Tp, T, named('token_mix'));
  const position = kind === 'token-mixing-mlp' ? variableFrom(tf.zeros([T, dPost]), named('token_position')) : null;
  const variables = [w1, b1, g1, c1, w2, b2, g2, c2, w3, b3, ...(mix && position ? [mix, position] : [])];
  const dropoutOf = (training: boolean, seed: number) => (training && dropout > 0 ? { rate: dropout, seed } : null);

  return {
    kind,
    shape,
    variables,
    names,
    decayed: [w1, w2, w3, ...(mix ? [mix] : [])],
    forward(post, training, dropoutSeed) {
      const batch = post.shape[0];
      let tokens: tf.Tensor2D;
      if (mix && position) {
        // [B, T', dL] -> [B, dL, T'] -> (x) [T', T] -> [B, T, dL], plus a learned term per position.
        const flat = tf.reshape(tf.transpose(post, [0, 2, 1]), [batch * dPost, Tp]) as tf.Tensor2D;
        const mixed = tf.transpose(tf.reshape(matMulTrainable(flat, mix), [batch, dPost, T]), [0, 2, 1]);
        tokens = tf.reshape(tf.add(mixed, position), [batch * T, dPost]);
      } else {
        // Token-wise: any number of tokens (a training step may pass a sample of each image's patches).
        tokens = tf.reshape(post, [batch * post.shape[1], dPost]);
      }
      // The token-wise model's first input is data: no gradient is needed for it.
      const first = mix ? linear : linearOnData;
      // dropout(GELU(LayerNorm(x w^T + b))) twice (ml/normGelu.ts: one fused op on tfjs-wasm).
      let h = hiddenLayer(first(tokens, w1), b1, g1, c1, dropoutOf(training, dropoutSeed));
      h = hiddenLayer(linear(h, w2), b2, g2, c2, dropoutOf(training, dropoutSeed + 1));
      return tf.reshape(tf.add(linear(h, w3), b3), [batch, mix ? T : post.shape[1], dPre]);
    },
    async weights() {
      const outIn = new Set<tf.Variable>([w1, w2, w3]);
      const out: NamedWeight[] = [];
      for (const [i, v] of variables.entries()) {
        const stored = outIn.has(v) ? tf.transpose(v) : tf.clone(v);
        out.push({ name: names[i]!, shape: stored.shape, values: new Float32Array(await stored.data()) });
        stored.dispose();
      }
      return out;
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/**
 * A reconstructor of `shape` holding kept weights (ReconstructorModel.weights(), matrices as
 * [in, out]), to apply to images it was not trained on. Every variable must be among them, each
 * of the shape it has here: a mismatch is refused before anything is assigned.
 */
export function reconstructorFromWeights(shape: ReconstructorShape, weights: readonly NamedWeight[], options: ReconstructorOptions = {}): ReconstructorModel {
  const model = createReconstructor(shape, 0, options);
  const byName = new Map(weights.map((w) => [w.name, w] as const));
  const outIn = new Set(['w1', 'w2', 'w3']);
  try {
    const values = model.names.map((name, i) => {
      const w = byName.get(name);
      const variable = model.variables[i]!;
      // Kept as [in, out]; the three Linear matrices live here as [out, in].
      const want = outIn.has(name) ? [variable.shape[1]!, variable.shape[0]!] : variable.shape;
      if (!w || w.shape.length !== want.length || w.shape.some((d, k) => d !== want[k]) || w.values.length !== want.reduce((a, b) => a * b, 1))
        throw new RangeError(`kept reconstructor weight ${name}: expected shape [${want.join(', ')}], got ${w ? `[${w.shape.join(', ')}]` : 'none'}`);
      return { variable, name, w };
    });
    for (const { variable, name, w } of values)
      tf.tidy(() => {
        const t = tf.tensor(w.values, w.shape as number[]);
        variable.assign(outIn.has(name) ? tf.transpose(t) : t);
      });
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
