/**
 * A trained reconstructor applied to images it never saw: the per-patch losses of images added
 * after training, so a dropped image gets its heatmap without retraining. The kept weights and the
 * standardisers fitted on the training images are used as they are (a new image must not move
 * them); dropout is off, as for the training run's own final predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { patchLosses, type PatchLosses } from '../core/patches/patchLoss.ts';
import { applyStandardizer, type Standardizer } from '../core/stats/standardize.ts';
import { abortError } from './abortError.ts';
import { reconstructorFromWeights, type NamedWeight } from './reconstructorModel.ts';
import type { ReconstructionData } from './trainReconstructor.ts';

export interface KeptReconstructor {
  readonly weights: readonly NamedWeight[];
  readonly standardizers: { readonly pre: Standardizer; readonly post: Standardizer };
}

/** Images per forward pass: the training run's batch. */
const BATCH = 4;

/** The hidden width the kept weights were trained with (w2 is [dPost, hidden] as kept). */
function hiddenOf(weights: readonly NamedWeight[]): number {
  const w2 = weights.find((w) => w.name === 'w2');
  if (!w2 || w2.shape.length !== 2) throw new RangeError('kept reconstructor has no w2 matrix');
  return w2.shape[1]!;
}

export async function applyReconstructor(data: ReconstructionData, kept: KeptReconstructor, signal?: AbortSignal): Promise<PatchLosses> {
  const { images, tokensPre, tokensPost, dPre, dPost } = data;
  if (images < 1) throw new RangeError('no images to apply the reconstructor to');
  if (data.pre.length !== images * tokensPre * dPre) throw new RangeError(`invalid pre tokens: expected [${images}, ${tokensPre}, ${dPre}]`);
  if (data.post.length !== images * tokensPost * dPost) throw new RangeError(`invalid post tokens: expected [${images}, ${tokensPost}, ${dPost}]`);
  const model = reconstructorFromWeights({ tokensPre, tokensPost, dPre, dPost, hidden: hiddenOf(kept.weights) }, kept.weights, { dropout: 0 });
  try {
    const target = applyStandardizer(kept.standardizers.pre, data.pre);
    const input = applyStandardizer(kept.standardizers.post, data.post);
    const predicted = new Float32Array(images * tokensPre * dPre);
    for (let s = 0; s < images; s += BATCH) {
      if (signal?.aborted) throw abortError();
      const count = Math.min(BATCH, images - s);
      const out = tf.tidy(() =>
        model.forward(tf.tensor3d(input.subarray(s * tokensPost * dPost, (s + count) * tokensPost * dPost), [count, tokensPost, dPost]), false, 0),
      );
      predicted.set(await out.data(), s * tokensPre * dPre);
      out.dispose();
    }
    return patchLosses(predicted, target, images, tokensPre, dPre);
  } finally {
    model.dispose();
  }
}
