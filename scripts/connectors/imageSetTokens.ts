/**
 * The bundled image set through the frozen encoder: every image, in index order and fixed batches
 * (embed.ts), so the training script and the tests get bit-identical pre-projection tokens.
 */
import { readFileSync } from 'node:fs';
import type { ImageSetIndex, Split } from '../imageset/imageset.ts';
import { labelIdsOf, loadImage, readImageSetIndex, type LoadedImage } from '../imageset/load.ts';
import { ENCODER_FILE, MNV2 } from './config.ts';
import { encode, pixelsOf, session } from './embed.ts';
import type { LabelledTokens } from './train.ts';

export const PRE_TOKEN_SIZE = MNV2.grid * MNV2.grid * MNV2.dim;

export interface ImageSetTokens extends LabelledTokens {
  readonly index: ImageSetIndex;
  readonly images: readonly LoadedImage[];
}

export async function embedImageSet(encoderBytes: Uint8Array = new Uint8Array(readFileSync(ENCODER_FILE))): Promise<ImageSetTokens> {
  const index = readImageSetIndex();
  const images = index.images.map((e) => loadImage(e));
  const encoder = await session(encoderBytes);
  try {
    const pre = await encode(encoder, pixelsOf(images), images.length);
    return { index, images, pre, labels: labelIdsOf(index, images), n: images.length };
  } finally {
    await encoder.release();
  }
}

/** The rows of one split, in index order. */
export function splitOf(all: ImageSetTokens, split: Split): LabelledTokens {
  const rows = all.images.flatMap((e, i) => (e.split === split ? [i] : []));
  const pre = new Float32Array(rows.length * PRE_TOKEN_SIZE);
  rows.forEach((i, r) => pre.set(all.pre.subarray(i * PRE_TOKEN_SIZE, (i + 1) * PRE_TOKEN_SIZE), r * PRE_TOKEN_SIZE));
  return { pre, labels: Int32Array.from(rows, (i) => all.labels[i]!), n: rows.length };
}
