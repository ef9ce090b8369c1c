/**
 * A block store's token matrices read from the user's own block files whenever they are needed
 * (core/tokens/tokenStore.ts TokenSource): the tokens worker holds the files' handles, never a copy
 * of their numbers, so a store of 1,000 LLaVA-size images (5.9 GB as float16) opens in a tab that
 * holds only its pooled vectors and pictures. Reads only the header and the block tensor's bytes.
 * No DOM: a File is a Blob in Node too, so the tests read real files through it.
 */
import { blockRowsOf, blockTensorsOf, type BlockFile } from '../core/blockstore/blockStore.ts';
import {
  headerByteLength,
  parseSafetensorsHeader,
  readTensorAsFloat32,
  tensorBytesOf,
  type FloatDtype,
  type SafetensorsTensor,
} from '../core/blockstore/safetensors.ts';
import { isUserFacing, UserFacingError } from '../core/errors.ts';
import { narrow, sameShape, type StoredMatrix, type TokenShape, type TokenSource } from '../core/tokens/tokenStore.ts';

async function bytesOf(file: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(start, end).arrayBuffer());
}

/**
 * Files up to this size are read in one go and their header checked before the rest is used:
 * each read of a user's file is a round trip to the browser's file thread, and a pooled store's
 * files are a few kB, so three reads a file were most of the time a 10,000-block store took to open.
 */
const WHOLE_FILE_BYTES = 1 << 20;

/** One safetensors file's length-and-header bytes, its header, and its data section (offsets count from there). */
export async function readSafetensorsParts(file: File, wholeFileBytes = WHOLE_FILE_BYTES): Promise<{ readonly prefix: Uint8Array } & BlockFile> {
  // Either the whole file, or each part read when it is needed.
  const whole = file.size <= wholeFileBytes ? await bytesOf(file, 0, file.size) : null;
  const part = (start: number, end: number) => (whole ? Promise.resolve(whole.subarray(start, end)) : bytesOf(file, start, end));
  const length = headerByteLength(await part(0, 8), file.size, file.name);
  const prefix = await part(0, 8 + length);
  const header = parseSafetensorsHeader(prefix, file.size, file.name);
  return { name: file.name, prefix, header, data: await part(8 + length, file.size) };
}

const shapeText = (s: TokenShape) => `${s.tokensPre} x ${s.dPre} and ${s.tokensPost} x ${s.dPost}`;

/** Typed arrays here read the file's little-endian bytes as they are (every browser's platform is little-endian; checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A block file's `block` tensor as the token store keeps it, and its [tokens, dim]: a float16
 * tensor's bits are viewed where they lie in the bytes just read (no copy), others are widened and
 * narrowed as an embedded image's would be. Its values were checked finite when the store opened.
 */
function storedBlock(
  file: BlockFile,
  tensor: SafetensorsTensor & { readonly dtype: FloatDtype },
): { readonly matrix: StoredMatrix; readonly tokens: number; readonly dim: number } {
  const [tokens, dim] = blockRowsOf(tensor);
  const bytes = tensorBytesOf(file.data, tensor);
  const matrix: StoredMatrix =
    tensor.dtype === 'F16' && LITTLE_ENDIAN && bytes.byteOffset % 2 === 0
      ? { dtype: 'f16', data: new Uint16Array(bytes.buffer, bytes.byteOffset, tensor.count) }
      : narrow(readTensorAsFloat32(bytes, tensor.dtype, tensor.count));
  return { matrix, tokens, dim };
}

/** The block in `pre` and `post` (a store's pair), read again on each call; `shape`: what it held when the store was opened. */
export function blockTokenSource(pre: File, post: File, shape: TokenShape): TokenSource {
  return {
    shape,
    async read() {
      let preBlock, postBlock;
      try {
        const files = { pre: await readSafetensorsParts(pre), post: await readSafetensorsParts(post) };
        const { preTensor, postTensor } = blockTensorsOf(files.pre, files.post);
        preBlock = storedBlock(files.pre, preTensor);
        postBlock = storedBlock(files.post, postTensor);
      } catch (error) {
        if (isUserFacing(error)) throw error;
        // The browser refuses to read a dropped file that changed or went away after the drop (NotReadableError).
        throw new UserFacingError(
          `${pre.name} or ${post.name} could not be read again: the block store's files were moved, changed or deleted after it was opened. Open the store again.`,
          { cause: error },
        );
      }
      const now = { tokensPre: preBlock.tokens, dPre: preBlock.dim, tokensPost: postBlock.tokens, dPost: postBlock.dim };
      if (!sameShape(now, shape))
        throw new UserFacingError(
          `${pre.name} and ${post.name} now hold ${shapeText(now)} values, not the ${shapeText(shape)} they held when the block store was opened: the files changed. Open the store again.`,
        );
      return { pre: preBlock.matrix, post: postBlock.matrix };
    },
  };
}
