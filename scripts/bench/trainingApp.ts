/**
 * The app's side of the training bench, shared by the page worker that runs it in headless
 * Chromium (trainingWorker.ts) and the bench's report (training.ts): the two sizes, their
 * synthetic tokens, and an epoch-by-epoch timing of the app's trainer (ml/trainReconstructor.ts)
 * on whatever tfjs backend is active.
 */
import { seededRandom } from '../../src/core/random.ts';
import { trainReconstructor, type ReconstructionData } from '../../src/ml/trainReconstructor.ts';

export interface TrainingSize {
  readonly name: string;
  readonly images: number;
  readonly tokens: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly hidden: number;
  readonly batchSize: number;
  readonly epochs: number;
}

export const TRAINING_SIZES: readonly TrainingSize[] = [
  { name: "default pack's size", images: 40, tokens: 196, dPre: 96, dPost: 128, hidden: 256, batchSize: 4, epochs: 4 },
  { name: 'LLaVA-1.5 widths', images: 5, tokens: 144, dPre: 1024, dPost: 4096, hidden: 2048, batchSize: 1, epochs: 3 },
];
/** The app's split: a fifth of the images (at least one) for validation. */
export const VALIDATION_FRACTION = 0.2;

function data(size: TrainingSize, seed: number): ReconstructionData {
  const random = seededRandom(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  return {
    pre: values(size.images * size.tokens * size.dPre),
    post: values(size.images * size.tokens * size.dPost),
    images: size.images,
    tokensPre: size.tokens,
    tokensPost: size.tokens,
    dPre: size.dPre,
    dPost: size.dPost,
  };
}

/** Seconds of each epoch of the app's trainer at `size` on the active backend. */
export async function appEpochSeconds(size: TrainingSize): Promise<number[]> {
  const marks: number[] = [];
  await trainReconstructor(
    data(size, 11),
    { epochs: size.epochs, hidden: size.hidden, batchSize: size.batchSize, patience: size.epochs, validationFraction: VALIDATION_FRACTION, seed: 1 },
    { onEpoch: (p) => marks.push(p.elapsedMs) },
  );
  return marks.map((t, i) => (t - (i === 0 ? 0 : marks[i - 1]!)) / 1000);
}
