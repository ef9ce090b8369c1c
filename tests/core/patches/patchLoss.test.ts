/** Patch loss against hand-computed values and a naive reference. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patchLosses } from '../../../src/core/patches/patchLoss.ts';

describe('patchLosses', () => {
  it('is the per-token mean squared error and its image mean, by hand', () => {
    // 1 image, 2 tokens, dim 2: token 0 errors (1, 2) -> (1 + 4) / 2 = 2.5; token 1 errors (3, 4) -> 12.5.
    const l = patchLosses(Float32Array.of(1, 2, 0, 0), Float32Array.of(0, 0, 3, 4), 1, 2, 2);
    expect(Array.from(l.perPatch)).toEqual([2.5, 12.5]);
    expect(l.perImage[0]).toBe(7.5);
    expect([l.images, l.tokens]).toEqual([1, 2]);
  });

  it('lays losses out [images, tokens], one image mean each, by hand', () => {
    // 2 images, 2 tokens, dim 1. Errors: image 0: 1, 3 -> 1, 9 (mean 5); image 1: 0, 2 -> 0, 4 (mean 2).
    const l = patchLosses(Float32Array.of(1, 3, 5, 2), Float32Array.of(0, 0, 5, 0), 2, 2, 1);
    expect(Array.from(l.perPatch)).toEqual([1, 9, 0, 4]);
    expect(Array.from(l.perImage)).toEqual([5, 2]);
  });

  it('equals a naive reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (images, tokens, dim, seed) => {
        const n = images * tokens * dim;
        const a = Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i));
        const b = Float32Array.from({ length: n }, (_, i) => Math.cos(seed * 3 + i));
        const l = patchLosses(a, b, images, tokens, dim);
        for (let i = 0; i < images; i++) {
          let img = 0;
          for (let t = 0; t < tokens; t++) {
            let s = 0;
            for (let d = 0; d < dim; d++) s += (a[(i * tokens + t) * dim + d]! - b[(i * tokens + t) * dim + d]!) ** 2;
            expect(l.perPatch[i * tokens + t]).toBeCloseTo(s / dim, 6);
            img += s / dim;
          }
          expect(l.perImage[i]).toBeCloseTo(img / tokens, 6);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rejects mismatched shapes', () => {
    expect(() => patchLosses(new Float32Array(3), new Float32Array(4), 1, 2, 2)).toThrow('invalid shapes: expected 4 values ([1, 2, 2]), got 3 and 4');
  });
});
