import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/core/errors.ts';
import {
  base64ToFloats,
  encodePrecomputed,
  FINGERPRINT_DIMS,
  floatsToBase64,
  matchPrecomputed,
  matchPrecomputedSoFar,
  parsePrecomputed,
  type PrecomputedReconstruction,
} from '../../../src/core/imageset/precomputed.ts';
import { damagedCopies } from '../../support/outsideData.ts';
import { precomputedRecord, wave } from '../../support/precomputedRecord.ts';

function record(n = 3, tokens = 4): PrecomputedReconstruction {
  const files = Array.from({ length: n }, (_, i) => `label/img-${i}.png`);
  return precomputedRecord({ packId: 'mnv2-mlp', files, fingerprints: wave(n * FINGERPRINT_DIMS, 1), tokens, dPre: 5, dPost: 6 });
}

const roundTrip = (r: PrecomputedReconstruction) => parsePrecomputed(JSON.parse(JSON.stringify(encodePrecomputed(r))));

describe('precomputed reconstruction', () => {
  it('base64 keeps every float32 bit pattern, odd lengths included', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 70000 }), (values) => {
        const back = base64ToFloats(floatsToBase64(values))!;
        expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      }),
      { numRuns: 200 },
    );
    expect(base64ToFloats('AAA=')).toBeNull(); // 2 bytes: not whole floats
    expect(base64ToFloats('not base64!')).toBeNull();
  });

  it('survives JSON exactly', () => {
    const r = record();
    expect(roundTrip(r)).toEqual(r);
  });

  it('refuses arrays whose sizes disagree, and unknown validation images', () => {
    const message = (patch: Partial<PrecomputedReconstruction>) => {
      try {
        roundTrip({ ...record(), ...patch });
        return 'accepted';
      } catch (e) {
        expect(e).toBeInstanceOf(UserFacingError);
        return (e as Error).message;
      }
    };
    expect(message({ perPatch: wave(11, 1) })).toMatch(/"perPatch" does not hold 12 numbers/);
    expect(message({ perImage: wave(2, 1) })).toMatch(/"perImage" does not hold 3 numbers/);
    expect(message({ fingerprints: wave(FINGERPRINT_DIMS, 1) })).toMatch(/"fingerprints" does not hold 48 numbers/);
    expect(message({ weights: [{ name: 'w', shape: [2, 2], values: wave(3, 1) }] })).toMatch(/weights\[0\]\.values" does not hold 4 numbers/);
    expect(message({ validationFiles: ['elsewhere.png'] })).toMatch(/names an image not in "files"/);
    expect(message({ files: ['a.png', 'a.png', 'b.png'] })).toMatch(/repeats a name/);
  });

  it('on damaged or arbitrary input: a record or a UserFacingError, never anything else', () => {
    const valid = JSON.stringify(encodePrecomputed(record()));
    fc.assert(
      fc.property(damagedCopies(new TextEncoder().encode(valid)), (copy) => {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(copy));
        } catch {
          return;
        }
        try {
          parsePrecomputed(json);
        } catch (e) {
          expect(e).toBeInstanceOf(UserFacingError);
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          parsePrecomputed(json);
        } catch (e) {
          expect(e).toBeInstanceOf(UserFacingError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('matches images by name and fingerprint, in record order', () => {
    const r = record();
    // Pooled embeddings whose leading dimensions are the record's fingerprint (pre, then post).
    const half = FINGERPRINT_DIMS / 2;
    const image = (row: number, id: string, nudge = 0, at = 3) => {
      const print = (d: number) => r.fingerprints[row * FINGERPRINT_DIMS + d]! + (d === at ? nudge : 0);
      return {
        id,
        name: r.files[row]!,
        pooled: {
          pre: Float32Array.from({ length: 20 }, (_, d) => (d < half ? print(d) : 99)),
          post: Float32Array.from({ length: 30 }, (_, d) => (d < half ? print(half + d) : -99)),
        },
      };
    };
    const collection = [
      image(2, 'c'),
      image(0, 'a'),
      { id: 'x', name: 'mine.png', pooled: { pre: new Float32Array(20), post: new Float32Array(30) } },
      image(1, 'b'),
    ];
    expect(matchPrecomputed(r, collection)).toEqual({ ids: ['a', 'b', 'c'] });
    // Float noise passes; a change of 1% in one dimension does not.
    const wantD3 = r.fingerprints[1 * FINGERPRINT_DIMS + 3]!;
    expect(matchPrecomputed(r, [image(0, 'a'), image(1, 'b', 1e-5 * (1 + Math.abs(wantD3))), image(2, 'c')])).toEqual({ ids: ['a', 'b', 'c'] });
    expect(matchPrecomputed(r, [image(0, 'a'), image(1, 'b', 0.01 * (1 + Math.abs(wantD3))), image(2, 'c')])).toMatchObject({
      mismatch: expect.stringMatching(/img-1\.png's embedding differs .*dimension 3/),
    });
    expect(matchPrecomputed(r, [image(0, 'a'), image(2, 'c')])).toEqual({ mismatch: 'label/img-1.png is not in the collection' });
    // A retrained connector changes only the post half: caught too.
    const wantPost = r.fingerprints[1 * FINGERPRINT_DIMS + half + 2]!;
    expect(matchPrecomputed(r, [image(0, 'a'), image(1, 'b', 0.01 * (1 + Math.abs(wantPost)), half + 2), image(2, 'c')])).toMatchObject({
      mismatch: expect.stringMatching(/dimension 10/),
    });
    expect(matchPrecomputed(r, [image(0, 'a'), { ...image(1, 'b'), pooled: null }, image(2, 'c')])).toEqual({ mismatch: 'label/img-1.png is not embedded' });
    // So far: images not embedded yet are waited for, not refused; those embedded must match.
    expect(matchPrecomputedSoFar(r, [image(0, 'a'), { ...image(1, 'b'), pooled: null }, image(2, 'c')])).toEqual({
      ids: ['a', 'b', 'c'],
      checked: 2,
      firstUnchecked: 1,
    });
    expect(matchPrecomputedSoFar(r, collection)).toEqual({ ids: ['a', 'b', 'c'], checked: 3, firstUnchecked: 3 });
    expect(
      matchPrecomputedSoFar(r, [{ ...image(0, 'a'), pooled: null }, image(1, 'b', 0.01 * (1 + Math.abs(wantD3))), { ...image(2, 'c'), pooled: null }]),
    ).toMatchObject({ mismatch: expect.stringMatching(/img-1\.png's embedding differs/) });
    expect(matchPrecomputedSoFar(r, [image(0, 'a'), image(2, 'c')])).toEqual({ mismatch: 'label/img-1.png is not in the collection' });
    expect(
      matchPrecomputed(r, [
        image(0, 'a'),
        { ...image(1, 'b'), pooled: { pre: new Float32Array(20).fill(Number.NaN), post: new Float32Array(30) } },
        image(2, 'c'),
      ]),
    ).toHaveProperty('mismatch');
  });
});
