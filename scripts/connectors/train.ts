/**
 * Trains one connector with the encoder frozen, for an objective that stands in for the language
 * model: the connector's post tokens are mean-pooled and read by a frozen, seeded random linear
 * head over the 12 labels; the loss is softmax cross-entropy, and only the connector learns.
 *
 * Why this objective: like a VLM's language model, the head is fixed and the connector must learn
 * to speak its "language"; it only rewards what tells the labels apart, so the connector is free
 * to drop everything else (texture, position, colour where they do not help), which is the loss
 * the project's metrics measure. Pooling first keeps the head the same for every family (T' is
 * 196, 49 or 16) and matches the pooling KNOR uses.
 *
 * Deterministic: initial weights come from buildConnector's seeded generator, the image order from
 * mulberry32, and TensorFlow.js's CPU backend computes in plain JavaScript in a fixed order, so a
 * rerun on the same Node version gives the same bytes.
 */
import * as tf from '@tensorflow/tfjs';
import { readModel } from '../onnx/readModel.ts';
import { seededRandom, shuffledIndices } from '../../src/core/random.ts';
import { buildConnector, type ConnectorShape, type PackFamily } from '../packs/architectures.ts';
import { connectorForward } from './tfConnector.ts';

export interface TrainingSettings {
  readonly connectorSeed: number;
  readonly headSeed: number;
  readonly orderSeed: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam is the only optimizer: named so the training record says it. */
  readonly optimizer: { readonly name: 'adam'; readonly learningRate: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number };
}

/** Pre-projection tokens [n, T, dPre] with one label id per image. */
export interface LabelledTokens {
  readonly pre: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
}

export interface TrainedConnector {
  /** By ONNX initializer name: what buildConnector takes as `weights`. */
  readonly weights: Map<string, Float32Array>;
  /** Mean training loss of each epoch (over its batches). */
  readonly epochLoss: number[];
}

/**
 * The connector's parameters before training, by initializer name: exactly the synthetic numbers
 * buildConnector writes for this seed (Layers.constant scalars and int64 shapes are not parameters).
 */
export function initialWeights(family: PackFamily, seed: number, shape: ConnectorShape): Map<string, { dims: number[]; data: Float32Array }> {
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const [name, init] of readModel(buildConnector(family, seed, shape)).initializers) {
    if (init.data instanceof Float32Array && !name.startsWith('const.')) out.set(name, { dims: [...init.dims], data: init.data });
  }
  return out;
}

/** The frozen head [dPost, classes]: Glorot-uniform from mulberry32, never trained. */
export function headWeights(dPost: number, classes: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const limit = Math.sqrt(6 / (dPost + classes));
  return Float32Array.from({ length: dPost * classes }, () => (2 * random() - 1) * limit);
}

/** Head logits [n, classes] of post tokens [n, T', dPost]. */
export function headLogits(post: tf.Tensor3D, head: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.mean(post, 1) as tf.Tensor2D, head);
}

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Scalar {
  const logProbabilities = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbabilities, tf.oneHot(labels, classes)), 1))) as tf.Scalar;
}

function batchOf(data: LabelledTokens, order: Int32Array, start: number, size: number, tokens: number, dPre: number): { x: tf.Tensor3D; y: tf.Tensor1D } {
  const count = Math.min(size, order.length - start);
  const x = new Float32Array(count * tokens * dPre);
  const y = new Int32Array(count);
  for (let b = 0; b < count; b++) {
    const i = order[start + b]!;
    x.set(data.pre.subarray(i * tokens * dPre, (i + 1) * tokens * dPre), b * tokens * dPre);
    y[b] = data.labels[i]!;
  }
  return { x: tf.tensor3d(x, [count, tokens, dPre]), y: tf.tensor1d(y, 'int32') };
}

export function trainConnector(
  family: PackFamily,
  shape: ConnectorShape,
  classes: number,
  data: LabelledTokens,
  settings: TrainingSettings,
  onEpoch?: (epoch: number, loss: number) => void,
): TrainedConnector {
  const tokens = shape.grid * shape.grid;
  if (data.pre.length !== data.n * tokens * shape.dPre)
    throw new RangeError(`pre tokens: expected ${data.n} x ${tokens} x ${shape.dPre} values, got ${data.pre.length}`);
  const variables = new Map<string, tf.Variable>();
  for (const [name, { dims, data: values }] of initialWeights(family, settings.connectorSeed, shape)) {
    variables.set(name, tf.variable(tf.tensor(values, dims), true, `${family}/${name}`));
  }
  const head = tf.tensor2d(headWeights(shape.dPost, classes, settings.headSeed), [shape.dPost, classes]);
  const { learningRate, beta1, beta2, epsilon } = settings.optimizer;
  const optimizer = tf.train.adam(learningRate, beta1, beta2, epsilon);
  const varList = [...variables.values()];
  const random = seededRandom(settings.orderSeed);
  const epochLoss: number[] = [];
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const order = shuffledIndices(data.n, random);
      let sum = 0;
      let batches = 0;
      for (let start = 0; start < data.n; start += settings.batchSize) {
        const { x, y } = batchOf(data, order, start, settings.batchSize, tokens, shape.dPre);
        const loss = optimizer.minimize(() => crossEntropy(headLogits(connectorForward(family, shape, variables, x), head), y, classes), true, varList);
        sum += loss!.dataSync()[0]!;
        batches++;
        tf.dispose([x, y, loss!]);
      }
      epochLoss.push(sum / batches);
      onEpoch?.(epoch, sum / batches);
    }
    const weights = new Map<string, Float32Array>();
    for (const [name, v] of variables) weights.set(name, v.dataSync() as Float32Array);
    return { weights, epochLoss };
  } finally {
    optimizer.dispose();
    head.dispose();
    for (const v of varList) v.dispose();
  }
}

/** Head accuracy and mean cross-entropy of given weights on labelled tokens (tfjs forward). */
export function evaluateConnector(
  family: PackFamily,
  shape: ConnectorShape,
  classes: number,
  weights: ReadonlyMap<string, Float32Array>,
  data: LabelledTokens,
  headSeed: number,
): { accuracy: number; loss: number } {
  const init = initialWeights(family, 0, shape);
  return tf.tidy(() => {
    const params = new Map<string, tf.Tensor>();
    for (const [name, { dims }] of init) params.set(name, tf.tensor(weights.get(name)!, dims));
    const head = tf.tensor2d(headWeights(shape.dPost, classes, headSeed), [shape.dPost, classes]);
    const tokens = shape.grid * shape.grid;
    const logits = headLogits(connectorForward(family, shape, params, tf.tensor3d(data.pre, [data.n, tokens, shape.dPre])), head);
    const loss = crossEntropy(logits, tf.tensor1d(data.labels, 'int32'), classes).dataSync()[0]!;
    const predicted = logits.argMax(1).dataSync();
    let hits = 0;
    for (let i = 0; i < data.n; i++) if (predicted[i] === data.labels[i]) hits++;
    return { accuracy: hits / data.n, loss };
  });
}
