/**
 * A block store's tokens read from its own files on demand (workers/blockTokenSource.ts through
 * core/tokens/tokenStore.ts attach): checked against the values written into the safetensors files,
 * with the reads counted (nothing is read when the store opens; a read within the memory budget is
 * not repeated; one past it is), and against files that changed or vanished after opening.
 * Real File objects (Node's) and the real request handling (workers/tokenRequests.ts).
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/core/blockstore/safetensors.ts';
import { halfBitsToFloat32, float32ToHalfBits } from '../../src/core/onnx/float16.ts';
import { seededRandom } from '../../src/core/random.ts';
import { TokenStore, type TokenShape } from '../../src/core/tokens/tokenStore.ts';
import { blockTokenSource, readSafetensorsParts } from '../../src/workers/blockTokenSource.ts';
import type { TokensReply, TokensRequest } from '../../src/workers/protocol.ts';
import { tokensService } from '../../src/workers/tokenRequests.ts';

const SHAPE: TokenShape = { tokensPre: 6, dPre: 5, tokensPost: 3, dPost: 7 };

function values(seed: number, n: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 4 - 2);
}

/** A block file as the paper's code writes it, as a File that counts how often its bytes are read. */
function blockFile(name: string, data: Float32Array, shape: readonly number[], dtype: 'F16' | 'F32' = 'F16') {
  const bytes = writeSafetensors([{ name: 'block', dtype, shape, data }]);
  const file = new File([bytes as Uint8Array<ArrayBuffer>], name);
  const reads = { count: 0 };
  const slice = file.slice.bind(file);
  Object.defineProperty(file, 'slice', {
    value: (...args: Parameters<Blob['slice']>) => {
      reads.count += 1;
      return slice(...args);
    },
  });
  return { file, reads };
}

/** What a float16 file holds, widened: the values rounded to half precision (the store keeps exactly those). */
const asHalf = (x: Float32Array) => halfBitsToFloat32(float32ToHalfBits(x));

function block(seed: number) {
  const pre = values(seed, SHAPE.tokensPre * SHAPE.dPre);
  const post = values(seed + 1000, SHAPE.tokensPost * SHAPE.dPost);
  return {
    pre,
    post,
    preFile: blockFile(`pre-block-${seed}.safetensors`, pre, [SHAPE.tokensPre, SHAPE.dPre]),
    postFile: blockFile(`post-block-${seed}.safetensors`, post, [SHAPE.tokensPost, SHAPE.dPost]),
  };
}

describe('block store tokens read from their files', () => {
  it('reads nothing when attached, then gives each block the values its files hold, stacked in the order asked', async () => {
    const blocks = [block(1), block(2), block(3)];
    const store = new TokenStore(null);
    store.attach(blocks.map((b, i) => ({ key: `k${i}`, source: blockTokenSource(b.preFile.file, b.postFile.file, SHAPE) })));
    expect(blocks.map((b) => b.preFile.reads.count + b.postFile.reads.count)).toEqual([0, 0, 0]);
    expect(await store.has(['k0', 'k1', 'k2', 'k3'])).toEqual([true, true, true, false]);

    const stacked = await store.stack(['k2', 'k0']);
    expect(stacked.shape).toEqual(SHAPE);
    expect([...stacked.pre]).toEqual([...asHalf(blocks[2]!.pre), ...asHalf(blocks[0]!.pre)]);
    expect([...stacked.post]).toEqual([...asHalf(blocks[2]!.post), ...asHalf(blocks[0]!.post)]);
    expect(blocks[1]!.preFile.reads.count).toBe(0);
  });

  it('keeps what it read within the memory budget and reads a block again once it was let go', async () => {
    const blocks = [block(4), block(5)];
    const oneBlockBytes = 2 * (SHAPE.tokensPre * SHAPE.dPre + SHAPE.tokensPost * SHAPE.dPost);
    const store = new TokenStore(null, oneBlockBytes);
    store.attach(blocks.map((b, i) => ({ key: `k${i}`, source: blockTokenSource(b.preFile.file, b.postFile.file, SHAPE) })));
    await store.stack(['k0']);
    const afterFirst = blocks[0]!.preFile.reads.count;
    expect(afterFirst).toBeGreaterThan(0);
    await store.stack(['k0']);
    expect(blocks[0]!.preFile.reads.count).toBe(afterFirst); // held: not read again
    expect(store.bytesInMemory).toBe(oneBlockBytes);
    await store.stack(['k1']); // over budget: k0 is let go
    expect(store.bytesInMemory).toBe(oneBlockBytes);
    const again = await store.stack(['k0']);
    expect(blocks[0]!.preFile.reads.count).toBeGreaterThan(afterFirst);
    expect([...again.pre]).toEqual([...asHalf(blocks[0]!.pre)]);
  });

  it('says so, for the user, when a file changed shape or cannot be read any more', async () => {
    const b = block(6);
    const reshaped = blockFile('pre-block-6.safetensors', b.pre, [SHAPE.tokensPre * SHAPE.dPre]);
    const changed = blockTokenSource(reshaped.file, b.postFile.file, SHAPE);
    await expect(changed.read()).rejects.toThrow(
      /^pre-block-6\.safetensors holds a pooled vector \[30\] but post-block-6\.safetensors tokens \[3, 7\]: both files of a block must hold tokens/,
    );
    const resized = blockFile('pre-block-6.safetensors', values(7, 4 * SHAPE.dPre), [4, SHAPE.dPre]);
    await expect(blockTokenSource(resized.file, b.postFile.file, SHAPE).read()).rejects.toThrow(
      'pre-block-6.safetensors and post-block-6.safetensors now hold 4 x 5 and 3 x 7 values, not the 6 x 5 and 3 x 7 they held when the block store was opened: the files changed. Open the store again.',
    );
    const gone = new File([], 'pre-block-6.safetensors');
    Object.defineProperty(gone, 'size', { value: 1000 });
    Object.defineProperty(gone, 'slice', {
      value: () => ({ arrayBuffer: () => Promise.reject(new DOMException('The requested file could not be read', 'NotReadableError')) }),
    });
    await expect(blockTokenSource(gone, b.postFile.file, SHAPE).read()).rejects.toThrow(
      "pre-block-6.safetensors or post-block-6.safetensors could not be read again: the block store's files were moved, changed or deleted after it was opened. Open the store again.",
    );
  });

  it('is attached, stacked and let go through the tokens worker’s requests', async () => {
    const blocks = [block(8), block(9)];
    const replies: TokensReply[] = [];
    const answer = tokensService(new TokenStore(null), (reply) => replies.push(reply));
    const ask = async (req: TokensRequest) => {
      const before = replies.length;
      answer(req);
      await expect.poll(() => replies.length).toBe(before + 1);
      return replies.at(-1)!;
    };
    const attached = await ask({
      type: 'attach-block-tokens',
      id: 1,
      shape: SHAPE,
      blocks: blocks.map((b, i) => ({ key: `img${i}__blocks:x`, pre: b.preFile.file, post: b.postFile.file })),
    });
    expect(attached).toEqual({ type: 'result', id: 1, result: true });
    const stacked = await ask({ type: 'stack-tokens', id: 2, keys: ['img1__blocks:x'] });
    expect(stacked.type === 'result' && stacked.result).toMatchObject({ ok: true, shape: SHAPE });
    expect(stacked.type === 'result' && stacked.result && typeof stacked.result === 'object' && 'pre' in stacked.result && [...stacked.result.pre]).toEqual([
      ...asHalf(blocks[1]!.pre),
    ]);
    expect(await ask({ type: 'remove-tokens', id: 3, prefixes: ['img0__'] })).toEqual({ type: 'result', id: 3, result: 0 });
    expect(await ask({ type: 'has-tokens', id: 4, keys: ['img0__blocks:x', 'img1__blocks:x'] })).toEqual({ type: 'result', id: 4, result: [false, true] });
    // A block whose file went bad: the stack fails with the user's message, not a half-filled answer.
    const bad = new File([new Uint8Array(4)], 'pre-block-10.safetensors');
    await ask({ type: 'attach-block-tokens', id: 5, shape: SHAPE, blocks: [{ key: 'img2__blocks:x', pre: bad, post: blocks[0]!.postFile.file }] });
    const failed = await ask({ type: 'stack-tokens', id: 6, keys: ['img1__blocks:x', 'img2__blocks:x'] });
    expect(failed.type).toBe('error');
    expect(failed.type === 'error' && failed.error.message).toMatch(/pre-block-10\.safetensors/);
  });
});

describe('reading one safetensors file', () => {
  it('gives the same header and data read whole (one read) as in three parts, and refuses a damaged file either way', async () => {
    const data = values(7, 4 * 9);
    const { file, reads } = blockFile('pre-block-7.safetensors', data, [4, 9], 'F32');
    const whole = await readSafetensorsParts(file);
    expect(reads.count).toBe(1);
    const parts = await readSafetensorsParts(file, 0);
    expect(reads.count).toBe(1 + 3);
    expect(whole.header).toEqual(parts.header);
    expect(Array.from(whole.prefix)).toEqual(Array.from(parts.prefix));
    expect(Array.from(whole.data)).toEqual(Array.from(parts.data));
    // The data section holds the values written (float32, little-endian).
    const tensor = whole.header.tensors.find((t) => t.name === 'block')!;
    const section = whole.data.subarray(tensor.begin, tensor.end);
    expect(Array.from(new Float32Array(section.slice().buffer))).toEqual(Array.from(data));

    // A header length past the end of the file: the same message from both paths, naming the file.
    const bytes = new Uint8Array(await file.arrayBuffer());
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
    const damaged = new File([bytes], 'pre-block-8.safetensors');
    const [wholeError, partsError] = await Promise.all([
      readSafetensorsParts(damaged).catch((e: unknown) => e),
      readSafetensorsParts(damaged, 0).catch((e: unknown) => e),
    ]);
    expect(wholeError).toBeInstanceOf(Error);
    expect((wholeError as Error).message).toContain('pre-block-8.safetensors');
    expect((wholeError as Error).message).toBe((partsError as Error).message);
  });
});
