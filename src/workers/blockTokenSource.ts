/**
 * A block store's token matrices read from the user's own block files whenever they are needed
 * (core/tokens/tokenStore.ts TokenSource): the tokens worker holds the files' handles, never a copy
 * of their numbers, so a store of 1,000 LLaVA-size images (5.9 GB as float16) opens in a tab that
 * holds only its pooled vectors and pictures. Reads only the header and the block tensor's bytes.
 * No DOM: a File is a Blob in Node too, so the tests read real files through it.
 */
import { readStoreBlock, type BlockFile } from '../core/blockstore/blockStore.ts';
import { headerByteLength, parseSafetensorsHeader } from '../core/blockstore/safetensors.ts';
import { isUserFacing, UserFacingError } from '../core/errors.ts';
import { sameShape, type TokenShape, type TokenSource } from '../core/tokens/tokenStore.ts';

async function bytesOf(file: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(start, end).arrayBuffer());
}

/** One safetensors file's length-and-header bytes, its header, and its data section (offsets count from there). */
export async function readSafetensorsParts(file: File): Promise<{ readonly prefix: Uint8Array } & BlockFile> {
  const length = headerByteLength(await bytesOf(file, 0, 8), file.size, file.name);
  const prefix = await bytesOf(file, 0, 8 + length);
  const header = parseSafetensorsHeader(prefix, file.size, file.name);
  return { name: file.name, prefix, header, data: await bytesOf(file, 8 + length, file.size) };
}

const shapeText = (s: TokenShape) => `${s.tokensPre} x ${s.dPre} and ${s.tokensPost} x ${s.dPost}`;

/** The block in `pre` and `post` (a store's pair), read again on each call; `shape`: what it held when the store was opened. */
export function blockTokenSource(pre: File, post: File, shape: TokenShape): TokenSource {
  return {
    shape,
    async read() {
      let block;
      try {
        block = readStoreBlock(await readSafetensorsParts(pre), await readSafetensorsParts(post), null);
      } catch (error) {
        if (isUserFacing(error)) throw error;
        // The browser refuses to read a dropped file that changed or went away after the drop (NotReadableError).
        throw new UserFacingError(
          `${pre.name} or ${post.name} could not be read again: the block store's files were moved, changed or deleted after it was opened. Open the store again.`,
          { cause: error },
        );
      }
      const now = { tokensPre: block.tokensPre, dPre: block.dPre, tokensPost: block.tokensPost, dPost: block.dPost };
      if (!sameShape(now, shape))
        throw new UserFacingError(
          `${pre.name} and ${post.name} now hold ${shapeText(now)} values, not the ${shapeText(shape)} they held when the block store was opened: the files changed. Open the store again.`,
        );
      return { pre: block.pre, post: block.post };
    },
  };
}
