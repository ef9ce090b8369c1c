/** Qwen2-VL's smart_resize against transformers' own (fixture table) and by hand. */
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../../src/core/errors.ts';
import { pythonRound, smartResize } from '../../../../src/core/image/processors/smartResize.ts';
import { loadHfProcessors } from '../../../support/hfProcessorsFixture.ts';

const { sizes } = loadHfProcessors();

describe('smartResize', () => {
  it(`equals transformers' smart_resize on ${sizes.smartResize.length} sizes (four factor / pixel-range settings), refusals included`, () => {
    expect(sizes.smartResize.length).toBeGreaterThanOrEqual(400);
    const wrong: string[] = [];
    for (const [h, w, factor, lo, hi, wantH, wantW] of sizes.smartResize as number[][]) {
      let got: string;
      try {
        got = smartResize(h!, w!, factor!, lo!, hi!).join('x');
      } catch (e) {
        if (!(e instanceof UserFacingError)) throw e;
        got = 'refused';
      }
      const want = wantH === null ? 'refused' : `${wantH}x${wantW}`;
      if (got !== want) wrong.push(`${h}x${w} factor ${factor} [${lo}, ${hi}]: ${got}, transformers ${want}`);
    }
    expect(wrong).toEqual([]);
    expect(sizes.smartResize.some((r) => r[5] === null)).toBe(true);
  });

  it('rounds halves to even as Python does: 42 x 70 -> 56 x 56 (Math.round would give 56 x 84)', () => {
    expect(smartResize(42, 70, 28, 56 * 56, 28 * 28 * 1280)).toEqual([56, 56]);
    expect([0.5, 1.5, 2.5, 3.5, 2.4999999999999996, 2.5000000000000004, 7.5].map(pythonRound)).toEqual([0, 2, 2, 4, 2, 3, 8]);
  });

  it('scales down past max_pixels and up below min_pixels, keeping multiples of the factor', () => {
    // 1000 x 1000 with at most 336^2 pixels: beta = 1000 / 336, floor(336 / 28) * 28 = 336.
    expect(smartResize(1000, 1000, 28, 3136, 336 * 336)).toEqual([336, 336]);
    // 1 x 1 with at least 56^2: beta = 56, ceil(56 / 28) * 28 = 56.
    expect(smartResize(1, 1, 28, 3136, 12845056)).toEqual([56, 56]);
  });

  it('refuses an aspect ratio above 200, accepts exactly 200', () => {
    expect(() => smartResize(1, 201, 28, 3136, 12845056)).toThrow(/aspect ratios above 200/);
    expect(smartResize(1, 200, 28, 3136, 12845056)).toEqual([28, 812]); // transformers gives (28, 812)
  });
});
