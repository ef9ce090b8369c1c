/**
 * analyze --train: the reconstructor trained on the analysed images with the app's own code and
 * settings (ml/trainReconstructor.ts, the training worker's seed; tfjs on WebAssembly in Node,
 * else its plain-JS CPU backend), as the session export's reconstruction: per-patch and per-image
 * losses, the train/validation split, and the model's weights for reconstructor.safetensors.
 */
import { exportedReconstructorOf } from '../src/core/export/reconstructorExport.ts';
import type { ExportReconstruction } from '../src/core/export/sessionExport.ts';
import { tokenRouting } from '../src/core/geometry/connectorGeometry.ts';
import { reconstructorLabel } from '../src/core/patches/reconstructorLabel.ts';
import type { PackManifest } from '../src/core/types.ts';
import { selectTfBackend, tfThreads } from '../src/ml/tfBackend.ts';
import { trainReconstructor } from '../src/ml/trainReconstructor.ts';
import type { RunControl } from './analyze.ts';
import type { Reporter } from './reporter.ts';

/** The app's smallest collection to train on (store/training.ts): one or more images are held out. */
export const MIN_TRAIN_IMAGES = 4;
/** The training worker's seed (store/training.ts), so the CLI and the app train the same model on the same images. */
const APP_TRAIN_SEED = 7;

export interface TrainedReconstruction {
  readonly reconstruction: ExportReconstruction;
  /** Per image, in the order given: whether training saw it or held it out. */
  readonly split: readonly ('train' | 'validation')[];
  /** The figures said in the summary. */
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  readonly backend: string;
}

/** Tokens of every image, stacked: pre [n, T, dPre], post [n, T', dPost]. */
export interface StackedTokens {
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly images: number;
}

export async function trainForExport(
  manifest: PackManifest,
  tokens: StackedTokens,
  epochs: number,
  reporter: Reporter,
  control: RunControl,
): Promise<TrainedReconstruction> {
  const chosen = await selectTfBackend(['wasm', 'cpu']);
  const threads = await tfThreads();
  const backend = chosen === 'wasm' ? `wasm, ${threads} thread${threads === 1 ? '' : 's'}` : chosen;
  const { pre: T, post: Tp, dPre, dPost } = manifest.tokens;
  const grid: [number, number] = [manifest.image.grid[0], manifest.image.grid[1]];
  const stop = new AbortController();
  let progress: ReturnType<Reporter['progress']> | null = null;
  const outcome = await trainReconstructor(
    {
      pre: tokens.pre,
      post: tokens.post,
      images: tokens.images,
      tokensPre: T,
      tokensPost: Tp,
      dPre,
      dPost,
      tokenSource: tokenRouting(manifest.connector, grid),
    },
    { epochs, seed: APP_TRAIN_SEED },
    {
      signal: stop.signal,
      onStep: (p) => {
        progress ??= reporter.progress('training steps', p.steps);
        progress.update(p.step);
        if (control.stopRequested()) stop.abort();
      },
    },
  ).finally(() => progress?.finish());
  const validation = new Set(outcome.split.validation);
  const bestValidationLoss = outcome.history.valLoss[outcome.bestEpoch - 1] ?? Number.NaN;
  return {
    reconstruction: {
      perPatch: outcome.patchLoss.perPatch,
      perImage: outcome.patchLoss.perImage,
      grid,
      description: reconstructorLabel(outcome.architecture),
      reconstructor: exportedReconstructorOf({ weights: outcome.weights, standardizers: outcome.standardizers }, manifest),
    },
    split: Array.from({ length: tokens.images }, (_, i) => (validation.has(i) ? 'validation' : 'train')),
    bestEpoch: outcome.bestEpoch,
    bestValidationLoss,
    backend,
  };
}
