/**
 * Train the reconstructor P -> V (docs/method.md, reconstruction): standardise on training images,
 * image-level train/validation split, AdamW (Adam + decoupled weight decay), linear warm-up then
 * cosine decay, early stopping on validation loss with the best weights restored, and per-patch
 * losses for every image in standardised units. Yields to the event loop between batches so a
 * worker stays responsive to cancel; an aborted signal rejects with an Error whose name is
 * 'AbortError' (never a partial result), after every tensor it made has been disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { patchLosses, type PatchLosses } from '../core/patches/patchLoss.ts';
import { seededRandom, shuffledIndices } from '../core/random.ts';
import { warmupCosine } from '../core/stats/lrSchedule.ts';
import { applyStandardizer, fitStandardizer, type Standardizer } from '../core/stats/standardize.ts';
import { createReconstructor, parameterCount, type NamedWeight, type ReconstructorKind, type ReconstructorModel } from './reconstructorModel.ts';
import { abortError } from './abortError.ts';

export interface ReconstructionData {
  /** [images, tokensPre, dPre], raw. */
  readonly pre: Float32Array;
  /** [images, tokensPost, dPost], raw. */
  readonly post: Float32Array;
  readonly images: number;
  readonly tokensPre: number;
  readonly tokensPost: number;
  readonly dPre: number;
  readonly dPost: number;
  /**
   * Optional, used when tokensPost != tokensPre: for each pre token (patch), the post token it
   * feeds (postTokenOfPatch of src/core/geometry), -1 where none. Seeds the token-axis projection
   * with that routing; see ReconstructorOptions.tokenSource.
   */
  readonly tokenSource?: ArrayLike<number>;
}

export interface TrainConfig {
  readonly epochs: number;
  readonly seed: number;
  /** Hidden width h; docs/method.md's 2048 is for LLaVA-scale d; these packs are far smaller. */
  readonly hidden: number;
  /** Images per mini-batch. */
  readonly batchSize: number;
  /** Peak learning rate; 1e-3 suits these small models (the reference uses 1e-4 at LLaVA scale). */
  readonly lr: number;
  readonly weightDecay: number;
  readonly warmupFraction: number;
  /** Epochs without validation improvement before stopping. */
  readonly patience: number;
  readonly validationFraction: number;
  /** Rate of both dropout layers (docs/method.md: 0.1); training only. */
  readonly dropout: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 40,
  seed: 7,
  hidden: 256,
  batchSize: 4,
  lr: 1e-3,
  weightDecay: 1e-2,
  warmupFraction: 0.1,
  patience: 8,
  validationFraction: 0.2,
  dropout: 0.1,
};

/** Throws a RangeError naming the first config value that would make training meaningless or endless. */
export function validateTrainConfig(c: TrainConfig): void {
  const bad = (name: string, value: number) => new RangeError(`invalid ${name}: ${value}`);
  for (const key of ['epochs', 'hidden', 'batchSize', 'patience'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw bad(key, c[key]);
  }
  if (!Number.isFinite(c.seed)) throw bad('seed', c.seed);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw bad('lr', c.lr);
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay))) throw bad('weightDecay', c.weightDecay);
  if (!(c.warmupFraction >= 0 && c.warmupFraction <= 1)) throw bad('warmupFraction', c.warmupFraction);
  if (!(c.validationFraction > 0 && c.validationFraction < 1)) throw bad('validationFraction', c.validationFraction);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad('dropout', c.dropout);
}

/**
 * Sets the step size of a tf.train.adam optimizer. tfjs has no public setter, but AdamOptimizer
 * reads its `learningRate` field on every applyGradients (checked in tests: lr 0 leaves the
 * weights unchanged, and a first Adam step moves each weight by about lr).
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly bestEpoch: number;
  readonly elapsedMs: number;
}

/** After each optimiser step: how many of all planned steps are done (early stopping may end sooner). */
export interface StepReport {
  readonly step: number;
  readonly steps: number;
  readonly epoch: number;
  readonly elapsedMs: number;
}

export interface TrainHooks {
  readonly signal?: AbortSignal;
  readonly onEpoch?: (report: EpochReport) => void;
  readonly onStep?: (report: StepReport) => void;
}

export interface TrainOutcome {
  readonly patchLoss: PatchLosses;
  readonly split: { readonly train: Int32Array; readonly validation: Int32Array };
  readonly history: { readonly trainLoss: number[]; readonly valLoss: number[] };
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly constantDims: number;
  /** The tfjs backend that trained it ('webgpu' | 'webgl' | 'cpu' ...). */
  readonly backend: string;
  readonly architecture: { readonly kind: ReconstructorKind; readonly hidden: number; readonly params: number };
  /** The trained (best-epoch) parameters and the standardisers they expect, so the model can be kept. */
  readonly weights: readonly NamedWeight[];
  readonly standardizers: { readonly pre: Standardizer; readonly post: Standardizer };
}

export type { NamedWeight } from './reconstructorModel.ts';

/** Image-level split: a seeded shuffle, at least one validation image and one training image. */
export function splitImages(images: number, fraction: number, seed: number): { train: Int32Array; validation: Int32Array } {
  if (images < 2) throw new RangeError(`invalid images: ${images} (need at least 2 to hold one out)`);
  const order = shuffledIndices(images, seededRandom(seed));
  const held = Math.min(images - 1, Math.max(1, Math.round(images * fraction)));
  return { validation: order.slice(0, held).sort(), train: order.slice(held).sort() };
}

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Token rows of the listed images, for fitting standardisers on training images only. */
function tokenRows(images: Int32Array, tokens: number): Int32Array {
  const rows = new Int32Array(images.length * tokens);
  images.forEach((img, i) => {
    for (let t = 0; t < tokens; t++) rows[i * tokens + t] = img * tokens + t;
  });
  return rows;
}

async function meanLoss(model: ReconstructorModel, post: tf.Tensor3D, pre: tf.Tensor3D, indices: Int32Array, batchSize: number): Promise<number> {
  let sum = 0;
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = indices.slice(s, s + batchSize);
    const loss = tf.tidy(() => {
      const i = tf.tensor1d(idx, 'int32');
      return tf.mul(tf.losses.meanSquaredError(tf.gather(pre, i), model.forward(tf.gather(post, i) as tf.Tensor3D, false, 0)), idx.length);
    });
    sum += (await loss.data())[0]!;
    loss.dispose();
  }
  return sum / indices.length;
}

export async function trainReconstructor(data: ReconstructionData, config: Partial<TrainConfig> = {}, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...config };
  validateTrainConfig(c);
  if (hooks.signal?.aborted) throw abortError('training cancelled');
  const { images, tokensPre, tokensPost, dPre, dPost } = data;
  if (data.pre.length !== images * tokensPre * dPre) throw new RangeError(`invalid pre tokens: expected [${images}, ${tokensPre}, ${dPre}]`);
  if (data.post.length !== images * tokensPost * dPost) throw new RangeError(`invalid post tokens: expected [${images}, ${tokensPost}, ${dPost}]`);
  const split = splitImages(images, c.validationFraction, c.seed);

  const preStd = fitStandardizer(data.pre, dPre, tokenRows(split.train, tokensPre));
  const postStd = fitStandardizer(data.post, dPost, tokenRows(split.train, tokensPost));
  const preValues = applyStandardizer(preStd, data.pre);
  const shape = { tokensPre, tokensPost, dPre, dPost, hidden: c.hidden };
  // The model first: it validates its options before making any tensor.
  const model = createReconstructor(shape, c.seed, data.tokenSource ? { dropout: c.dropout, tokenSource: data.tokenSource } : { dropout: c.dropout });
  const pre = tf.tensor3d(preValues, [images, tokensPre, dPre]);
  const post = tf.tensor3d(applyStandardizer(postStd, data.post), [images, tokensPost, dPost]);
  const optimizer = tf.train.adam(c.lr);
  const batchesPerEpoch = Math.ceil(split.train.length / c.batchSize);
  const totalSteps = c.epochs * batchesPerEpoch;
  const warmupSteps = Math.max(1, Math.round(totalSteps * c.warmupFraction));
  const shuffle = seededRandom(c.seed ^ 0x5bd1e995);
  const history = { trainLoss: [] as number[], valLoss: [] as number[] };
  let best: tf.Tensor[] | null = null;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let stoppedEarly = false;
  let step = 0;
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= c.epochs; epoch++) {
      const order = shuffledIndices(split.train.length, shuffle).map((i) => split.train[i]!);
      let sum = 0;
      for (let s = 0; s < order.length; s += c.batchSize) {
        if (hooks.signal?.aborted) throw abortError('training cancelled');
        const idx = order.slice(s, s + c.batchSize);
        const lr = warmupCosine(step, totalSteps, warmupSteps, c.lr);
        setLearningRate(optimizer, lr);
        const dropoutSeed = c.seed * 100_003 + step * 2;
        const cost = tf.tidy((): tf.Scalar => {
          const i = tf.tensor1d(idx, 'int32');
          const p = tf.gather(post, i) as tf.Tensor3D;
          const v = tf.gather(pre, i);
          const loss = optimizer.minimize(
            () => tf.losses.meanSquaredError(v, model.forward(p, true, dropoutSeed)) as tf.Scalar,
            true,
            model.variables as tf.Variable[],
          );
          if (!loss) throw new Error('the optimiser returned no loss');
          return loss;
        });
        // Decoupled weight decay (AdamW): shrink matrices after the Adam step.
        tf.tidy(() => {
          for (const w of model.decayed) w.assign(tf.mul(w, 1 - lr * c.weightDecay));
        });
        sum += (await cost.data())[0]! * idx.length;
        cost.dispose();
        step++;
        hooks.onStep?.({ step, steps: totalSteps, epoch, elapsedMs: performance.now() - started });
        await nextTick();
      }
      const trainLoss = sum / order.length;
      const valLoss = await meanLoss(model, post, pre, split.validation, c.batchSize);
      history.trainLoss.push(trainLoss);
      history.valLoss.push(valLoss);
      if (valLoss < bestLoss) {
        bestLoss = valLoss;
        bestEpoch = epoch;
        best?.forEach((t) => t.dispose());
        best = model.variables.map((v) => tf.clone(v));
      }
      hooks.onEpoch?.({ epoch, epochs: c.epochs, trainLoss, valLoss, bestEpoch, elapsedMs: performance.now() - started });
      if (epoch - bestEpoch >= c.patience) {
        stoppedEarly = epoch < c.epochs;
        break;
      }
    }
    if (best) model.variables.forEach((v, i) => v.assign(best![i]!));

    // Predictions for every image, dropout off, in standardised units.
    const predicted = new Float32Array(images * tokensPre * dPre);
    for (let s = 0; s < images; s += c.batchSize) {
      if (hooks.signal?.aborted) throw abortError('training cancelled');
      const count = Math.min(c.batchSize, images - s);
      const out = tf.tidy(() => model.forward(tf.slice(post, [s, 0, 0], [count, tokensPost, dPost]) as tf.Tensor3D, false, 0));
      predicted.set(await out.data(), s * tokensPre * dPre);
      out.dispose();
      await nextTick();
    }
    const weights = await model.weights();
    return {
      weights,
      standardizers: { pre: preStd, post: postStd },
      patchLoss: patchLosses(predicted, preValues, images, tokensPre, dPre),
      split,
      history,
      bestEpoch,
      stoppedEarly,
      constantDims: preStd.constantDims + postStd.constantDims,
      backend: tf.getBackend(),
      architecture: { kind: model.kind, hidden: c.hidden, params: parameterCount(shape) },
    };
  } finally {
    best?.forEach((t) => t.dispose());
    model.dispose();
    optimizer.dispose();
    pre.dispose();
    post.dispose();
  }
}
