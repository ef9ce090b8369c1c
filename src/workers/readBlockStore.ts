/**
 * Reading the paper's block store in the files worker, one block at a time from the user's files:
 * each safetensors file's header first (File.slice: a header that lies about the file is refused
 * before its data is read), then only the `block` tensor's bytes. Every file is hashed as it is
 * read, so the store gets a content key. The format rules are in core/blockstore/.
 */
import { readStoreBlock, STORE_PICTURE_SIZE, type StoreBlock } from '../core/blockstore/blockStore.ts';
import type { SafetensorsHeader } from '../core/blockstore/safetensors.ts';
import { isUserFacing } from '../core/errors.ts';
import { contentHasher, hashBytes, hashParts } from '../core/identity/contentHash.ts';
import { checkImageFile } from '../core/image/checkImageFile.ts';
import { preprocess } from '../core/image/preprocess.ts';
import type { PreprocessSpec } from '../core/types.ts';
import { readSafetensorsParts } from './blockTokenSource.ts';
import { decodeImage } from './decodeImage.ts';

/** Side of the picture heatmaps of a block store are drawn over. */
export const DISPLAY_SIZE = STORE_PICTURE_SIZE;

/** How a block's image is shown: its centre square, as most encoders crop (the store does not say how it was fed). */
export const DISPLAY_SPEC: PreprocessSpec = {
  resize: 'shortest-edge',
  crop: 'center',
  resample: 'bilinear',
  rescale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

export interface ReadFile {
  readonly header: SafetensorsHeader;
  /** The file's bytes after the 8-byte length and the header: tensor offsets count from here. */
  readonly data: Uint8Array;
  readonly digest: string;
}

/** One safetensors file, header checked before the rest is read, and its content hash. */
export async function readSafetensorsFile(file: File): Promise<ReadFile> {
  const { prefix, header, data } = await readSafetensorsParts(file);
  return { header, data, digest: await hashParts([prefix, data]) };
}

/**
 * The block's picture: its image centre-cropped to DISPLAY_SIZE, or null without an image or
 * when the image cannot be decoded (pictures are optional: the vectors are the data). `problem`
 * says why, for one warning about all such images.
 */
export async function blockDisplay(image: File | null): Promise<{ display: Uint8ClampedArray | null; imageHash: string | null; problem: string | null }> {
  if (!image) return { display: null, imageHash: null, problem: null };
  const bytes = new Uint8Array(await image.arrayBuffer());
  const imageHash = await hashBytes(bytes);
  const checked = checkImageFile(bytes, image.name);
  if (!checked.ok) return { display: null, imageHash, problem: checked.message };
  try {
    const decoded = await decodeImage(new Blob([bytes]), image.name);
    return { display: preprocess(decoded.rgba, decoded.width, decoded.height, DISPLAY_SPEC, DISPLAY_SIZE).display, imageHash, problem: null };
  } catch (error) {
    return { display: null, imageHash, problem: isUserFacing(error) ? error.message : `${image.name} could not be decoded` };
  }
}

/** Hashes the store as a whole: every block file's name and digest, in block order. */
export async function storeHasher(): Promise<{ add(name: string, digest: string): void; digest(): string }> {
  const hasher = await contentHasher();
  const encoder = new TextEncoder();
  return {
    add: (name, digest) => hasher.update(encoder.encode(`${name}\u0000${digest}\u0000`)),
    digest: () => hasher.digest(),
  };
}

export async function readBlockPair(pre: File, post: File, first: StoreBlock | null): Promise<{ block: StoreBlock; preDigest: string; postDigest: string }> {
  const [preFile, postFile] = [await readSafetensorsFile(pre), await readSafetensorsFile(post)];
  const block = readStoreBlock(
    { name: pre.name, header: preFile.header, data: preFile.data },
    { name: post.name, header: postFile.header, data: postFile.data },
    first,
  );
  return { block, preDigest: preFile.digest, postDigest: postFile.digest };
}
