/**
 * Train the reconstructor P -> V (docs/method.md, reconstruction): standardise on training images,
 * image-level train/validation split, AdamW (Adam + decoupled weight decay), linear warm-up then
 * cosine decay, early stopping on validation loss with the best weights restored, and per-patch
 * losses for every image in standardised units. Yields to the event loop between batches so a
 * worker stays responsive to cancel; an aborted signal rejects with an Error whose name is
 * 'AbortError' (never a partial result), after every tensor it made has been disposed. "Finish
 * now" (TrainHooks.finish) is the other way out: training ends after the step under way and the
 * per-patch losses are computed with what the model has learned, which is what a user with a
 * collection whose epoch takes many minutes wants instead of nothing.
 *
 * The tokens are read a few images at a time from a TokenBatchSource: in the app that is the tokens
 * worker (workers/tokenBatchPort.ts), so the training worker never holds more than a batch and the
 * one read ahead; LLaVA-size matrices are 11.8 MB an image, and a whole collection of them does not
 * fit in a tab. Arrays already in memory (tests, the CLI, the bench) go through inMemoryBatches.
 * The standardisers are fitted in two streamed passes with fitStandardizer's arithmetic, so a
 * streamed run and an in-memory run give the same numbers to the last bit. On large images a
 * token-wise model's steps take a sample of each image's patches (maxStepValues), so a step's
 * memory and time follow that bound instead of the image size.
 */
import * as tf from '@tensorflow/tfjs';
import { patchLosses, type PatchLosses } from '../core/patches/patchLoss.ts';
import { drawPatches, gatherSampledRows, patchesPerImage, type PatchSample } from '../core/patches/samplePatches.ts';
import { seededRandom, shuffledIndices } from '../core/random.ts';
import { warmupCosine } from '../core/stats/lrSchedule.ts';
import { addCentredRows, addRows, applyStandardizer, finishStandardizer, standardizerSums, type Standardizer } from '../core/stats/standardize.ts';
import { createReconstructor, parameterCount, type NamedWeight, type ReconstructorKind, type ReconstructorModel } from './reconstructorModel.ts';
import { abortError } from './abortError.ts';
import { LeanAdam } from './leanAdam.ts';
import { yieldToEventLoop } from '../core/yieldToEventLoop.ts';

/** The shapes a reconstructor trains on (shared by matrices in memory and a source that reads them). */
export interface ReconstructionShape {
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

export interface ReconstructionData extends ReconstructionShape {
  /** [images, tokensPre, dPre], raw. */
  readonly pre: Float32Array;
  /** [images, tokensPost, dPost], raw. */
  readonly post: Float32Array;
}

/** Where the trainer reads its tokens: the shapes, and the raw matrices of a few images at a time. */
export interface TokenBatchSource extends ReconstructionShape {
  /**
   * The raw matrices of these images ([n, tokensPre, dPre] and [n, tokensPost, dPost]) in this
   * order; with `patches` (T' = T only), just the sampled rows: [n, count, dPre] and [n, count,
   * dPost]. The reader gathers them, so a sampled step moves a quarter of an image's values.
   * The arrays are fresh and the trainer's to overwrite (it standardises them in place).
   */
  read(images: Int32Array, patches?: PatchSample): Promise<{ readonly pre: Float32Array; readonly post: Float32Array }>;
  /**
   * A batch's arrays handed back once the trainer is done with them (every tensor made from them
   * disposed: a cpu tensor may hold the array itself). A source that reads over a port sends them
   * back to be filled again, so neither worker makes garbage of every batch: at LLaVA size a
   * batch is 6-24 MB, and dead ones piled up faster than the workers' collectors ran.
   */
  recycle?(batch: { readonly pre: Float32Array; readonly post: Float32Array }): void;
}

/** A source over matrices already in memory (checked against the shapes here, before any training). */
export function inMemoryBatches(data: ReconstructionData): TokenBatchSource {
  const { images, tokensPre, tokensPost, dPre, dPost } = data;
  if (data.pre.length !== images * tokensPre * dPre) throw new RangeError(`invalid pre tokens: expected [${images}, ${tokensPre}, ${dPre}]`);
  if (data.post.length !== images * tokensPost * dPost) throw new RangeError(`invalid post tokens: expected [${images}, ${tokensPost}, ${dPost}]`);
  const rows = (all: Float32Array, chosen: Int32Array, size: number) => {
    const out = new Float32Array(chosen.length * size);
    chosen.forEach((image, i) => out.set(all.subarray(image * size, (image + 1) * size), i * size));
    return out;
  };
  return {
    images,
    tokensPre,
    tokensPost,
    dPre,
    dPost,
    ...(data.tokenSource ? { tokenSource: data.tokenSource } : {}),
    read: async (chosen, patches) => {
      const pre = rows(data.pre, chosen, tokensPre * dPre);
      const post = rows(data.post, chosen, tokensPost * dPost);
      return patches ? gatherSampledRows(pre, post, { images: chosen.length, tokens: tokensPre, dPre, dPost }, patches) : { pre, post };
    },
  };
}

const isSource = (data: ReconstructionData | TokenBatchSource): data is TokenBatchSource => 'read' in data;

/** Consecutive groups of at most `size` from `order`. */
function inGroups(order: Int32Array, size: number): Int32Array[] {
  const groups: Int32Array[] = [];
  for (let s = 0; s < order.length; s += size) groups.push(order.slice(s, s + size));
  return groups;
}

/**
 * The groups' matrices in order, the next one read while the caller works on the current one (in
 * the app the read is another worker's, so it overlaps this worker's compute). When the caller
 * stops early, the read in flight is waited for (its result is not wanted) so nothing is left
 * running after the trainer returns.
 */
async function* readAhead(source: TokenBatchSource, groups: readonly Int32Array[], patchesOf?: (images: Int32Array) => PatchSample) {
  // Patches are drawn as each read is asked for, so in group order, whatever the read-ahead.
  const read = (images: Int32Array) => source.read(images, patchesOf?.(images));
  let next = groups.length > 0 ? read(groups[0]!) : null;
  try {
    for (let g = 0; g < groups.length; g++) {
      const current = await next!;
      next = g + 1 < groups.length ? read(groups[g + 1]!) : null;
      yield { images: groups[g]!, ...current };
    }
  } finally {
    if (next) await Promise.allSettled([next]);
  }
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
  /**
   * At most this many post-connector values in one training step (or one evaluation group). A
   * token-wise reconstructor's batch over it trains on a sample of each image's patches
   * (core/patches/samplePatches.ts); evaluation then goes a few images at a time. 2^20 keeps a
   * layer's activations near 4 MB: the shipped packs (4 x 196 x 96) never reach it, LLaVA-1.5
   * (4 x 576 x 4096) samples 64 of 576 patches an image. Measured at LLaVA width (tfjs-wasm in
   * Node), a training worker's WebAssembly heap peaks at 1.05 GB with 2^20 and 1.25 GB with 2^21
   * (a step's tape holds some 70 activation matrices), and the heap never shrinks while its
   * worker lives: the tab's peak while it trains on a 1,000-image LLaVA store counts it whole.
   */
  readonly maxStepValues: number;
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
  maxStepValues: 2 ** 20,
};

/** Throws a RangeError naming the first config value that would make training meaningless or endless. */
export function validateTrainConfig(c: TrainConfig): void {
  const bad = (name: string, value: number) => new RangeError(`invalid ${name}: ${value}`);
  for (const key of ['epochs', 'hidden', 'batchSize', 'patience', 'maxStepValues'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw bad(key, c[key]);
  }
  if (!Number.isFinite(c.seed)) throw bad('seed', c.seed);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw bad('lr', c.lr);
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay))) throw bad('weightDecay', c.weightDecay);
  if (!(c.warmupFraction >= 0 && c.warmupFraction <= 1)) throw bad('warmupFraction', c.warmupFraction);
  if (!(c.validationFraction > 0 && c.validationFraction < 1)) throw bad('validationFraction', c.validationFraction);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad('dropout', c.dropout);
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

/** The final pass that scores every image (the heatmaps): images done of all. */
export interface EvaluationReport {
  readonly done: number;
  readonly total: number;
}

export interface TrainHooks {
  readonly signal?: AbortSignal;
  /**
   * "Finish now": training stops after the step under way and the run goes on to the heatmaps
   * with the best validated weights so far, or with the weights as they are when no epoch has
   * ended yet (on a large collection one epoch can take many minutes). Honoured from the first
   * step on, so the heatmaps always come from a model that trained at least once.
   */
  readonly finish?: AbortSignal;
  readonly onEpoch?: (report: EpochReport) => void;
  readonly onStep?: (report: StepReport) => void;
  readonly onEvaluate?: (report: EvaluationReport) => void;
}

export interface TrainOutcome {
  readonly patchLoss: PatchLosses;
  readonly split: { readonly train: Int32Array; readonly validation: Int32Array };
  readonly history: { readonly trainLoss: number[]; readonly valLoss: number[] };
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** The optimiser step after which "Finish now" ended training; null when it ran its course. */
  readonly finishedAfterStep: number | null;
  readonly constantDims: number;
  /** The tfjs backend that trained it ('webgpu' | 'webgl' | 'cpu' ...). */
  readonly backend: string;
  readonly architecture: { readonly kind: ReconstructorKind; readonly hidden: number; readonly params: number };
  /** Patches of each image a training step used: every patch (tokensPre), or a sample of them on large images. */
  readonly patchesPerStep: number;
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

/** A group's raw matrices standardised in place, as tensors (and the standardised pre values, for per-patch losses). */
function standardisedTensors(
  batch: { pre: Float32Array; post: Float32Array; images: Int32Array },
  standardizers: { pre: Standardizer; post: Standardizer },
  shape: { tokensPre: number; tokensPost: number; dPre: number; dPost: number },
) {
  const n = batch.images.length;
  // In place: a source's arrays are the trainer's own (TokenBatchSource.read), and a copy of each
  // batch is garbage the worker would have to collect at LLaVA size.
  const preValues = applyStandardizer(standardizers.pre, batch.pre, batch.pre);
  return {
    preValues,
    pre: tf.tensor3d(preValues, [n, shape.tokensPre, shape.dPre]),
    post: tf.tensor3d(applyStandardizer(standardizers.post, batch.post, batch.post), [n, shape.tokensPost, shape.dPost]),
  };
}

async function meanLoss(
  model: ReconstructorModel,
  source: TokenBatchSource,
  standardizers: { pre: Standardizer; post: Standardizer },
  indices: Int32Array,
  batchSize: number,
  maxStepValues: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  let sum = 0;
  for await (const batch of readAhead(source, inGroups(indices, evaluationGroup(source, batchSize, maxStepValues)))) {
    if (signal?.aborted) throw abortError('training cancelled');
    const { pre, post } = standardisedTensors(batch, standardizers, source);
    let loss: tf.Tensor;
    try {
      loss = tf.tidy(() => tf.mul(tf.losses.meanSquaredError(pre, model.forward(post, false, 0)), batch.images.length));
    } finally {
      pre.dispose();
      post.dispose();
      source.recycle?.(batch);
    }
    sum += (await loss.data())[0]!;
    loss.dispose();
  }
  return sum / indices.length;
}

/** Images evaluated together (dropout off, no gradients): the batch size, fewer when a batch's values exceed maxStepValues. */
function evaluationGroup(shape: { tokensPost: number; dPost: number }, batchSize: number, maxStepValues: number): number {
  return Math.max(1, Math.min(batchSize, Math.floor(maxStepValues / (shape.tokensPost * shape.dPost))));
}

/**
 * Images read together for the standardisers' two passes: up to 8, fewer when their matrices
 * exceed 2^23 values (32 MB; LLaVA-1.5 images go two at a time). Memory, not arithmetic: the
 * result is the same for any grouping.
 */
export function fitGroup(shape: { tokensPre: number; dPre: number; tokensPost: number; dPost: number }): number {
  return Math.max(1, Math.min(8, Math.floor(2 ** 23 / (shape.tokensPre * shape.dPre + shape.tokensPost * shape.dPost))));
}

/** Both standardisers fitted on every token of the training images, in two streamed passes. */
async function fitStandardizers(source: TokenBatchSource, train: Int32Array, signal: AbortSignal | undefined) {
  const pre = standardizerSums(source.dPre);
  const post = standardizerSums(source.dPost);
  for (const pass of [addRows, addCentredRows]) {
    for await (const batch of readAhead(source, inGroups(train, fitGroup(source)))) {
      if (signal?.aborted) throw abortError('training cancelled');
      pass(pre, batch.pre);
      pass(post, batch.post);
      source.recycle?.(batch);
    }
  }
  return { pre: finishStandardizer(pre), post: finishStandardizer(post) };
}

export async function trainReconstructor(
  data: ReconstructionData | TokenBatchSource,
  config: Partial<TrainConfig> = {},
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...config };
  validateTrainConfig(c);
  if (hooks.signal?.aborted) throw abortError('training cancelled');
  const source = isSource(data) ? data : inMemoryBatches(data);
  const { images, tokensPre, tokensPost, dPre, dPost } = source;
  const split = splitImages(images, c.validationFraction, c.seed);
  const shape = { tokensPre, tokensPost, dPre, dPost, hidden: c.hidden };
  // The model's options are checked before any token is read.
  const model = createReconstructor(shape, c.seed, source.tokenSource ? { dropout: c.dropout, tokenSource: source.tokenSource } : { dropout: c.dropout });
  let standardizers: { pre: Standardizer; post: Standardizer };
  try {
    standardizers = await fitStandardizers(source, split.train, hooks.signal);
  } catch (error) {
    model.dispose();
    throw error;
  }
  // Large images train on a sample of their patches (token-wise only: a mixing model needs them all).
  const sampled = model.kind === 'token-wise-mlp' ? patchesPerImage(c.batchSize, tokensPre, dPost, c.maxStepValues) : tokensPre;
  const patchRandom = seededRandom(c.seed ^ 0x2545f491);
  // tf.train.adam's arithmetic in one pass per variable, or with a step's temporaries freed as it goes (ml/leanAdam.ts says why).
  const optimizer = new LeanAdam();
  const decayed: ReadonlySet<tf.Variable> = new Set(model.decayed);
  const batchesPerEpoch = Math.ceil(split.train.length / c.batchSize);
  const totalSteps = c.epochs * batchesPerEpoch;
  const warmupSteps = Math.max(1, Math.round(totalSteps * c.warmupFraction));
  const shuffle = seededRandom(c.seed ^ 0x5bd1e995);
  const history = { trainLoss: [] as number[], valLoss: [] as number[] };
  let best: tf.Tensor[] | null = null;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let stoppedEarly = false;
  let finishedAfterStep: number | null = null;
  let step = 0;
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= c.epochs; epoch++) {
      const order = Int32Array.from(shuffledIndices(split.train.length, shuffle), (i) => split.train[i]!);
      let sum = 0;
      const patchesOf = sampled === tokensPre ? undefined : (images: Int32Array) => drawPatches(images.length, tokensPre, sampled, patchRandom);
      for await (const batch of readAhead(source, inGroups(order, c.batchSize), patchesOf)) {
        if (hooks.signal?.aborted) throw abortError('training cancelled');
        const idx = batch.images;
        const lr = warmupCosine(step, totalSteps, warmupSteps, c.lr);
        const dropoutSeed = c.seed * 100_003 + step * 2;
        // A sample (token-wise only, so T' = T) has `sampled` patches on both sides.
        const { pre: v, post: p } = standardisedTensors(batch, standardizers, {
          tokensPre: sampled,
          tokensPost: sampled === tokensPre ? tokensPost : sampled,
          dPre,
          dPost,
        });
        let cost: tf.Scalar;
        try {
          cost = tf.tidy((): tf.Scalar => {
            const variables = model.variables as tf.Variable[];
            const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(v, model.forward(p, true, dropoutSeed)) as tf.Scalar, variables);
            // AdamW: Adam, then the matrices shrunk by the decoupled weight decay.
            optimizer.apply(
              lr,
              variables.map((variable) => [variable, grads[variable.name]!] as const),
              { variables: decayed, factor: 1 - lr * c.weightDecay },
            );
            return value;
          });
        } finally {
          v.dispose();
          p.dispose();
          source.recycle?.(batch);
        }
        sum += (await cost.data())[0]! * idx.length;
        cost.dispose();
        step++;
        hooks.onStep?.({ step, steps: totalSteps, epoch, elapsedMs: performance.now() - started });
        await yieldToEventLoop();
        if (hooks.finish?.aborted) {
          finishedAfterStep = step;
          break;
        }
      }
      // A part epoch is not validated: the best validated weights (if any) are what it keeps.
      if (finishedAfterStep !== null) break;
      const trainLoss = sum / order.length;
      const valLoss = await meanLoss(model, source, standardizers, split.validation, c.batchSize, c.maxStepValues, hooks.signal);
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

    // Every image's per-patch losses, dropout off, in standardised units.
    const perPatch = new Float32Array(images * tokensPre);
    const perImage = new Float32Array(images);
    const everyImage = Int32Array.from({ length: images }, (_, i) => i);
    let scored = 0;
    hooks.onEvaluate?.({ done: 0, total: images });
    for await (const batch of readAhead(source, inGroups(everyImage, evaluationGroup(source, c.batchSize, c.maxStepValues)))) {
      if (hooks.signal?.aborted) throw abortError('training cancelled');
      const count = batch.images.length;
      const { preValues, pre, post } = standardisedTensors(batch, standardizers, source);
      let out: tf.Tensor;
      try {
        out = tf.tidy(() => model.forward(post, false, 0));
      } finally {
        pre.dispose();
        post.dispose();
      }
      const predicted = (await out.data()) as Float32Array;
      out.dispose();
      const losses = patchLosses(predicted, preValues, count, tokensPre, dPre);
      source.recycle?.(batch);
      perPatch.set(losses.perPatch, batch.images[0]! * tokensPre);
      perImage.set(losses.perImage, batch.images[0]!);
      scored += count;
      hooks.onEvaluate?.({ done: scored, total: images });
      await yieldToEventLoop();
    }
    const weights = await model.weights();
    return {
      weights,
      standardizers,
      patchLoss: { images, tokens: tokensPre, perPatch, perImage },
      split,
      history,
      bestEpoch,
      stoppedEarly,
      finishedAfterStep,
      constantDims: standardizers.pre.constantDims + standardizers.post.constantDims,
      backend: tf.getBackend(),
      architecture: { kind: model.kind, hidden: c.hidden, params: parameterCount(shape) },
      patchesPerStep: sampled,
    };
  } finally {
    best?.forEach((t) => t.dispose());
    model.dispose();
    optimizer.dispose();
  }
}
