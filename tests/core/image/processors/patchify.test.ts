/** Qwen2-VL's patch order: exactly transformers' patchify on index-coded images, and by hand. */
import { describe, expect, it } from 'vitest';
import { patchify } from '../../../../src/core/image/processors/patchify.ts';
import { loadHfProcessors, uint16s } from '../../../support/hfProcessorsFixture.ts';

const { patchOrders } = loadHfProcessors();

describe('patchify', () => {
  it.each(
    patchOrders.map((p) => [`${p.channels}x${p.height}x${p.width}, patch ${p.patchSize}, merge ${p.mergeSize}, temporal ${p.temporalPatchSize}`, p] as const),
  )('puts every value where transformers does: %s', (_, p) => {
    // Each value is its own source index, so equality means the same element order.
    const image = Float32Array.from({ length: p.channels * p.height * p.width }, (_, i) => i);
    const got = patchify(image, p.channels, p.height, p.width, p.patchSize, p.mergeSize, p.temporalPatchSize);
    expect([got.gridH, got.gridW]).toEqual([p.gridH, p.gridW]);
    expect([got.gridH * got.gridW, got.rowLength]).toEqual(p.dims);
    expect(Array.from(got.patches)).toEqual(Array.from(uint16s(p.indices)));
  });

  it('by hand: 1 channel, 4 x 4, patch 1, merge 2, temporal 2: merge blocks first, each value twice', () => {
    const image = Float32Array.from({ length: 16 }, (_, i) => i);
    const { patches, gridH, gridW, rowLength } = patchify(image, 1, 4, 4, 1, 2, 2);
    expect([gridH, gridW, rowLength]).toEqual([4, 4, 2]);
    // Block (0,0) holds pixels 0, 1, 4, 5; block (0,1) holds 2, 3, 6, 7; then the lower blocks.
    const rows = Array.from({ length: 16 }, (_, r) => patches[r * 2]);
    expect(rows).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    for (let r = 0; r < 16; r++) expect(patches[r * 2 + 1]).toBe(patches[r * 2]);
  });

  it('refuses sizes that are not multiples of patch x merge, and a wrong length', () => {
    expect(() => patchify(new Float32Array(3 * 28 * 42), 3, 28, 42, 14, 2, 2)).toThrow(
      'invalid size 28 x 42: expected multiples of patch_size * merge_size = 28',
    );
    expect(() => patchify(new Float32Array(5), 1, 2, 2, 1, 1, 1)).toThrow('invalid image: expected 4 values for 1 x 2 x 2, got 5');
  });
});
