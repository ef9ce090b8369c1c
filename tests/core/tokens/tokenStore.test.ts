/**
 * The token store against independent references: float16 values checked against numpy's
 * rounding rules re-derived here (round to nearest, ties to even, via Math.fround arithmetic),
 * stacking against a brute-force concatenation, the memory budget against what a file read
 * returns, and storage refusals (no room, a failing write, a torn file) against what is kept.
 */
import { uniformArray } from '../../support/uniformArray.ts';
import { describe, expect, it } from 'vitest';
import { halfBitsToFloat32 } from '../../../src/core/onnx/float16.ts';
import { decodeTokenFile, encodeTokenFile, MissingTokensError, TokenStore, tokenKey } from '../../../src/core/tokens/tokenStore.ts';
import { mapTokenFiles } from '../../support/tokensScript.ts';
import { seededRandom } from '../../../src/core/random.ts';

const SHAPE = { tokensPre: 6, dPre: 5, tokensPost: 3, dPost: 7 };

function matrices(seed: number, scale = 3) {
  const random = seededRandom(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  return { pre: values(SHAPE.tokensPre * SHAPE.dPre), post: values(SHAPE.tokensPost * SHAPE.dPost) };
}

/** The nearest float16 to x, ties to even, found by search over the exact half values (independent of the bit twiddling). */
function nearestHalf(x: number): number {
  const halves = halfBitsToFloat32(Uint16Array.from({ length: 0x7c00 }, (_, i) => i)); // every finite non-negative half
  const a = Math.abs(x);
  let lo = 0;
  let hi = halves.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (halves[mid]! <= a) lo = mid;
    else hi = mid;
  }
  const down = halves[lo]!;
  const up = halves[hi]!;
  const pick = a - down < up - a ? down : a - down > up - a ? up : lo % 2 === 0 ? down : up;
  return Math.sign(x) * pick;
}

describe('TokenStore', () => {
  it('keeps float16 values: each is the nearest half to the float32 given, ties to even', async () => {
    const store = new TokenStore(null);
    const { pre, post } = matrices(1);
    await store.put('k', SHAPE, pre, post, false);
    const { pre: got, post: gotPost } = await store.stack(['k']);
    expect(Array.from(got)).toEqual(Array.from(pre, nearestHalf));
    expect(Array.from(gotPost)).toEqual(Array.from(post, nearestHalf));
    // The largest difference is at most half a float16 step (2^-11 relative).
    for (let i = 0; i < pre.length; i++) expect(Math.abs(got[i]! - pre[i]!)).toBeLessThanOrEqual(Math.abs(pre[i]!) * 2 ** -11 + 2 ** -25);
  });

  it('keeps a matrix with values beyond float16 range as float32, exactly', async () => {
    const store = new TokenStore(null);
    const { pre, post } = matrices(2);
    post[4] = 70000;
    await store.put('k', SHAPE, pre, post, false);
    const got = await store.stack(['k']);
    expect(Array.from(got.post)).toEqual(Array.from(post));
    expect(Array.from(got.pre)).toEqual(Array.from(pre, nearestHalf));
    expect(store.bytesInMemory).toBe(pre.length * 2 + post.length * 4);
  });

  it('stacks in the order asked, as concatenating the images one by one does', async () => {
    const store = new TokenStore(null);
    const images = [0, 1, 2].map((i) => matrices(10 + i));
    for (const [i, m] of images.entries()) await store.put(`k${i}`, SHAPE, m.pre, m.post, false);
    const order = ['k2', 'k0', 'k1', 'k0'];
    const got = await store.stack(order);
    const brute = order.flatMap((k) => Array.from(images[Number(k[1])]!.pre, nearestHalf));
    expect(Array.from(got.pre)).toEqual(brute);
    expect(got.shape).toEqual(SHAPE);
    expect(Array.from((await store.row('k1', 'post', 2))!)).toEqual(Array.from(images[1]!.post.subarray(14, 21), nearestHalf));
  });

  it('stacks only the sampled rows of each image when asked, as picking them from the full stack does', async () => {
    const square = { tokensPre: 5, dPre: 4, tokensPost: 5, dPost: 3 };
    const store = new TokenStore(null);
    const images = [0, 1, 2].map((i) => ({ pre: uniformArray(20, 50 + i), post: uniformArray(15, 60 + i) }));
    // One image beyond float16's range, so the float32 path is gathered too.
    images[1]!.post[7] = 1e6;
    for (const [i, m] of images.entries()) await store.put(`k${i}`, square, m.pre, m.post, false);
    const order = ['k2', 'k1', 'k0'];
    const patches = { count: 2, positions: Int32Array.from([0, 4, 1, 2, 3, 4]) };
    const got = await store.stack(order, patches);
    const full = await store.stack(order);
    const brute = (all: Float32Array, d: number) =>
      Array.from(patches.positions).flatMap((t, i) => Array.from(all.subarray((Math.floor(i / 2) * 5 + t) * d, (Math.floor(i / 2) * 5 + t + 1) * d)));
    expect(Array.from(got.pre)).toEqual(brute(full.pre, 4));
    expect(Array.from(got.post)).toEqual(brute(full.post, 3));
    expect(Array.from(got.post)).toContain(1e6);
    await expect(store.stack(order, { count: 2, positions: Int32Array.from([0, 5, 1, 2, 3, 4]) })).rejects.toThrow('patch 5 of 5');
    await expect(store.stack(order, { count: 2, positions: Int32Array.from([0, 1]) })).rejects.toThrow('2 patch positions for 3 images of 2');
  });

  it('stacks into arrays handed back when they are large enough, writing every value, and into new ones when not', async () => {
    const store = new TokenStore(null);
    const images = [0, 1, 2].map((i) => matrices(60 + i));
    for (const [i, m] of images.entries()) await store.put(`r${i}`, SHAPE, m.pre, m.post, false);
    const fresh = await store.stack(['r2', 'r0']);
    // A spare full of garbage, larger than needed: the answer is its start, and equals a fresh stack.
    const spare = { pre: new Float32Array(3 * 30).fill(Number.NaN), post: new Float32Array(3 * 21).fill(Number.NaN) };
    const into = await store.stack(['r2', 'r0'], undefined, spare);
    expect(into.pre.buffer).toBe(spare.pre.buffer);
    expect(into.post.buffer).toBe(spare.post.buffer);
    expect([into.pre.length, into.post.length]).toEqual([2 * 30, 2 * 21]);
    expect(Array.from(into.pre)).toEqual(Array.from(fresh.pre));
    expect(Array.from(into.post)).toEqual(Array.from(fresh.post));
    // Too small for three images: new arrays, the spare untouched.
    const small = { pre: new Float32Array(30), post: new Float32Array(21) };
    const three = await store.stack(['r0', 'r1', 'r2'], undefined, small);
    expect(three.pre.buffer).not.toBe(small.pre.buffer);
    expect(three.pre.length).toBe(90);
  });

  it('says which keys it lacks instead of stacking part of them', async () => {
    const store = new TokenStore(null);
    const m = matrices(3);
    await store.put('k', SHAPE, m.pre, m.post, false);
    await expect(store.stack(['k', 'gone', 'also'])).rejects.toEqual(new MissingTokensError(['gone', 'also']));
    expect(await store.has(['gone', 'k'])).toEqual([false, true]);
    expect(await store.row('gone', 'pre', 0)).toBeNull();
    await expect(store.put('bad', SHAPE, m.pre.subarray(1), m.post, false)).rejects.toThrow(RangeError);
  });

  it('keeps file-backed images within its memory budget and reads the others back from their files', async () => {
    const files = mapTokenFiles();
    const perImage = (SHAPE.tokensPre * SHAPE.dPre + SHAPE.tokensPost * SHAPE.dPost) * 2;
    const store = new TokenStore(files, 2 * perImage);
    const images = [0, 1, 2, 3, 4].map((i) => matrices(20 + i));
    for (const [i, m] of images.entries()) expect(await store.put(`k${i}`, SHAPE, m.pre, m.post, true)).toEqual({ stored: true, notStoredReason: null });
    expect(store.bytesInMemory).toBe(2 * perImage);
    const got = await store.stack(['k0', 'k4']);
    expect(Array.from(got.pre.subarray(0, 30))).toEqual(Array.from(images[0]!.pre, nearestHalf));
    expect(store.bytesInMemory).toBeLessThanOrEqual(2 * perImage);
    // A new store over the same files (a reload) has them all.
    const again = new TokenStore(files);
    expect(await again.has(['k0', 'k1', 'k2', 'k3', 'k4', 'k5'])).toEqual([true, true, true, true, true, false]);
  });

  it('keeps in memory (and says why) what it could not store: no room, or a refused write', async () => {
    const full = new TokenStore(mapTokenFiles(new Map(), 100));
    const m = matrices(4);
    const outcome = await full.put('k', SHAPE, m.pre, m.post, true);
    expect(outcome.stored).toBe(false);
    expect(outcome.notStoredReason).toMatch(/storage for this site is full \(\d+ bytes needed, 100 left\)/);
    const refusing = { ...mapTokenFiles(), write: async () => Promise.reject(new Error('NoModificationAllowedError: locked')) };
    const locked = new TokenStore(refusing, 0);
    expect((await locked.put('k', SHAPE, m.pre, m.post, true)).notStoredReason).toMatch(/locked/);
    // Not in a file, so the budget of 0 does not push it out.
    expect(Array.from((await locked.stack(['k'])).pre)).toEqual(Array.from(m.pre, nearestHalf));
  });

  it('removes an image under every model by its id, and nothing of an id that only starts the same', async () => {
    const files = mapTokenFiles();
    const store = new TokenStore(files);
    const m = matrices(5);
    for (const key of [tokenKey('m1-a', 'img-1'), tokenKey('m1-b', 'img-1'), tokenKey('m1-a', 'img-10')]) await store.put(key, SHAPE, m.pre, m.post, true);
    expect(await store.removeByPrefix([tokenKey('', 'img-1')])).toBe(2);
    expect(await store.has([tokenKey('m1-a', 'img-1'), tokenKey('m1-b', 'img-1'), tokenKey('m1-a', 'img-10')])).toEqual([false, false, true]);
    await store.clear();
    expect(files.files.size).toBe(0);
    expect(store.bytesInMemory).toBe(0);
  });

  it('reads back a file it wrote, and refuses a torn or foreign one', () => {
    const m = matrices(6);
    const pre = { dtype: 'f16' as const, data: Uint16Array.from({ length: 30 }, (_, i) => i * 1000) };
    const post = { dtype: 'f32' as const, data: m.post };
    const bytes = encodeTokenFile(SHAPE, pre, post);
    const back = decodeTokenFile(bytes)!;
    expect(back.shape).toEqual(SHAPE);
    expect(Array.from(back.pre.data)).toEqual(Array.from(pre.data));
    expect(Array.from(back.post.data)).toEqual(Array.from(m.post));
    // An unaligned view of the same bytes reads the same.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeTokenFile(shifted.subarray(1))!.post.data)).toEqual(Array.from(m.post));
    expect(decodeTokenFile(bytes.subarray(0, bytes.length - 1))).toBeNull();
    const foreign = bytes.slice();
    foreign[0] = 0;
    expect(decodeTokenFile(foreign)).toBeNull();
  });
});
