/**
 * The first-look record (core/imageset/firstLook.ts): it reads back what was written, refuses
 * damage with a message naming it, applies to a collection by content (a renamed file matches,
 * another file under a bundled name does not; rows follow the collection's order), and its
 * comparison finds the largest relative difference and the image that has it, NaN included.
 */
import { describe, expect, it } from 'vitest';
import { compareFirstLook, encodeFirstLook, matchFirstLook, parseFirstLook, type FirstLookRecord } from '../../../src/core/imageset/firstLook.ts';

const hash = (n: number) => n.toString(16).padStart(64, '0');

function record(n = 3, dPre = 2, dPost = 3): FirstLookRecord {
  return {
    packId: 'pack',
    modelKey: `m1-${hash(9)}`,
    files: Array.from({ length: n }, (_, i) => `img-${i}.png`),
    contentHashes: Array.from({ length: n }, (_, i) => hash(i + 1)),
    dPre,
    dPost,
    pooledPre: Float32Array.from({ length: n * dPre }, (_, i) => i + 0.5),
    pooledPost: Float32Array.from({ length: n * dPost }, (_, i) => -i - 0.25),
  };
}

const roundTrip = (r: FirstLookRecord) => JSON.parse(JSON.stringify(encodeFirstLook(r))) as Record<string, unknown>;

describe('parseFirstLook', () => {
  it('reads back exactly what encodeFirstLook wrote', () => {
    const r = record();
    expect(parseFirstLook(roundTrip(r))).toEqual(r);
  });

  it.each([
    ['not a JSON object', () => [1, 2]],
    ['format', (j: Record<string, unknown>) => ({ ...j, format: 2 })],
    ['"packId" is not a string', (j: Record<string, unknown>) => ({ ...j, packId: '' })],
    ['3 content hashes for 2 files', (j: Record<string, unknown>) => ({ ...j, files: ['a.png', 'b.png'] })],
    ['not 64 hex digits', (j: Record<string, unknown>) => ({ ...j, contentHashes: [hash(1), hash(2), 'xyz'] })],
    ['two rows have the same image', (j: Record<string, unknown>) => ({ ...j, contentHashes: [hash(1), hash(1), hash(3)] })],
    ['"dPre" is not a width', (j: Record<string, unknown>) => ({ ...j, dPre: 0 })],
    [
      '"pooledPost" does not hold 9 numbers',
      (j: Record<string, unknown>) => ({ ...j, pooledPost: (roundTrip(record(3, 2, 2)) as { pooledPost: string }).pooledPost }),
    ],
    ['"pooledPre" does not hold 6 numbers', (j: Record<string, unknown>) => ({ ...j, pooledPre: '***' })],
  ])('refuses damage: %s', (what, damage) => {
    expect(() => parseFirstLook((damage as (j: Record<string, unknown>) => unknown)(roundTrip(record())))).toThrow(what);
  });

  it('refuses a vector that holds NaN or infinity', () => {
    const r = record();
    r.pooledPre[3] = Number.NaN;
    expect(() => parseFirstLook(roundTrip(r))).toThrow('"pooledPre" holds a value that is not a finite number');
  });
});

describe('matchFirstLook', () => {
  const images = (r: FirstLookRecord, order: number[], rename = false) =>
    order.map((row) => ({ id: `id-${row}`, name: rename ? `renamed-${row}.png` : r.files[row]!, contentHash: r.contentHashes[row]! }));

  it('gives the vectors in collection order, matched by content whatever the names', () => {
    const r = record();
    const match = matchFirstLook(r, images(r, [2, 0, 1], true));
    if ('mismatch' in match) throw new Error(match.mismatch);
    expect(match.ids).toEqual(['id-2', 'id-0', 'id-1']);
    expect(Array.from(match.pooledPre)).toEqual([4.5, 5.5, 0.5, 1.5, 2.5, 3.5]);
    expect(Array.from(match.pooledPost)).toEqual([-6.25, -7.25, -8.25, -0.25, -1.25, -2.25, -3.25, -4.25, -5.25]);
  });

  it('does not apply to another file under a bundled name, a missing or extra image, a duplicate, or an image not hashed', () => {
    const r = record();
    const same = images(r, [0, 1, 2]);
    expect(matchFirstLook(r, [...same.slice(0, 2), { ...same[2]!, contentHash: hash(77) }])).toEqual({
      mismatch: 'img-2.png is not one of the precomputed images',
    });
    expect(matchFirstLook(r, same.slice(0, 2))).toEqual({ mismatch: 'the collection has 2 images, the precomputed set 3' });
    expect(matchFirstLook(r, [...same, { id: 'x', name: 'x.png', contentHash: hash(5) }])).toMatchObject({ mismatch: expect.stringContaining('4 images') });
    expect(matchFirstLook(r, [same[0]!, same[1]!, { ...same[0]!, id: 'twin', name: 'twin.png' }])).toEqual({ mismatch: 'twin.png is in the collection twice' });
    expect(matchFirstLook(r, [same[0]!, same[1]!, { ...same[2]!, contentHash: null }])).toEqual({ mismatch: 'img-2.png is not one of the precomputed images' });
  });
});

describe('compareFirstLook', () => {
  it('finds the largest difference relative to 1 + |precomputed| and its row, against a brute-force scan', () => {
    const r = record(4, 3, 2);
    const live = { pooledPre: r.pooledPre.slice(), pooledPost: r.pooledPost.slice() };
    live.pooledPre[7] = r.pooledPre[7]! + 0.01; // row 2
    live.pooledPost[2] = r.pooledPost[2]! - 0.02; // row 1
    const brute = [...[7].map((i) => [0.01 / (1 + Math.abs(r.pooledPre[i]!)), 2]), ...[2].map((i) => [0.02 / (1 + Math.abs(r.pooledPost[i]!)), 1])].sort(
      (a, b) => b[0]! - a[0]!,
    )[0]!;
    const check = compareFirstLook(r, live, 4);
    expect(check.maxDifference).toBeCloseTo(brute[0]!, 6);
    expect(check.worstRow).toBe(brute[1]);
    expect(compareFirstLook(r, { pooledPre: r.pooledPre.slice(), pooledPost: r.pooledPost.slice() }, 4)).toEqual({ maxDifference: 0, worstRow: 0 });
  });

  it('counts a NaN as an infinite difference and refuses vectors of another shape', () => {
    const r = record();
    const live = { pooledPre: r.pooledPre.slice(), pooledPost: r.pooledPost.slice() };
    live.pooledPost[8] = Number.NaN;
    expect(compareFirstLook(r, live, 3)).toEqual({ maxDifference: Number.POSITIVE_INFINITY, worstRow: 2 });
    expect(() => compareFirstLook(r, { pooledPre: r.pooledPre, pooledPost: new Float32Array(3) }, 3)).toThrow(RangeError);
  });
});
