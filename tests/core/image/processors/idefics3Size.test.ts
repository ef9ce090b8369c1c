/** Idefics3 / SmolVLM's first resize against transformers' get_resize_output_image_size and by hand. */
import { describe, expect, it } from 'vitest';
import { idefics3ResizeSize } from '../../../../src/core/image/processors/idefics3Size.ts';
import { loadHfProcessors } from '../../../support/hfProcessorsFixture.ts';

const { sizes } = loadHfProcessors();

describe('idefics3ResizeSize', () => {
  it(`equals transformers on ${sizes.idefics3ResizeSize.length} sizes (longest edge 2048, 1456, 364 and 9000, past the 4096 bound)`, () => {
    expect(sizes.idefics3ResizeSize.length).toBeGreaterThanOrEqual(400);
    const wrong = sizes.idefics3ResizeSize.filter(([h, w, longest, H, W]) => idefics3ResizeSize(h!, w!, longest!).join('x') !== `${H}x${W}`);
    expect(wrong).toEqual([]);
  });

  it('sets the long side, truncates the other and rounds it up to even', () => {
    expect(idefics3ResizeSize(150, 226, 2048)).toEqual([1360, 2048]); // int(2048 / (226 / 150)) = 1359 -> 1360
    expect(idefics3ResizeSize(500, 3, 2048)).toEqual([2048, 12]); // int(2048 * 0.006) = 12
    expect(idefics3ResizeSize(1, 1, 2048)).toEqual([2048, 2048]);
    expect(idefics3ResizeSize(100, 100, 9000)).toEqual([4096, 4096]); // the 4096 upper bound
  });
});
