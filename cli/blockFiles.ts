/**
 * One image's tokens as the paper's block store keeps them: `pre-block-<id>.safetensors` and
 * `post-block-<id>.safetensors`, each one float32 tensor `block` of shape [tokens, dim], written
 * and read back by the app's block store reader (core/blockstore/). Nothing in a block depends on
 * the shard that wrote it, so a merged store's blocks are byte for byte an unsharded run's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStoreBlock, type StoreBlock } from '../src/core/blockstore/blockStore.ts';
import { parseSafetensorsHeader, writeSafetensors } from '../src/core/blockstore/safetensors.ts';

export type Side = 'pre' | 'post';

export const blockFileName = (side: Side, id: string): string => `${side}-block-${id}.safetensors`;

export interface BlockMeta {
  readonly id: string;
  /** The image, relative to the images folder. */
  readonly file: string;
  readonly imageHash: string;
  readonly modelKey: string;
}

export function encodeBlock(side: Side, tokens: Float32Array, rows: number, dim: number, meta: BlockMeta): Uint8Array {
  if (tokens.length !== rows * dim) throw new RangeError(`invalid ${side} tokens: expected ${rows} x ${dim} = ${rows * dim} values, got ${tokens.length}`);
  return writeSafetensors([{ name: 'block', dtype: 'F32', shape: [rows, dim], data: tokens }], {
    side,
    id: meta.id,
    file: meta.file,
    image_hash: meta.imageHash,
    model_key: meta.modelKey,
  });
}

/**
 * One block's two files read back with the app's block store reader (core/blockstore/:
 * safetensors header checked against the file, the `block` tensor checked, values finite, shapes
 * equal to the first block's, tokens pooled). Throws a UserFacingError naming the file.
 */
export function readBlockPair(dir: string, id: string, first: StoreBlock | null): { block: StoreBlock; preBytes: Uint8Array; postBytes: Uint8Array } {
  const file = (side: Side) => {
    const name = blockFileName(side, id);
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    const header = parseSafetensorsHeader(bytes, bytes.length, name);
    return { bytes, file: { name, header, data: bytes.subarray(header.dataStart) } };
  };
  const pre = file('pre');
  const post = file('post');
  return { block: readStoreBlock(pre.file, post.file, first), preBytes: pre.bytes, postBytes: post.bytes };
}
