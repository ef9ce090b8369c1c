/**
 * The concept analysis gathers every image's tokens at once: the size rule (store/concepts.ts)
 * against the arithmetic written out, at the shipped packs' size and at LLaVA-1.5's.
 */
import { describe, expect, it } from 'vitest';
import { conceptTokensProblem, MAX_CONCEPT_TOKEN_BYTES } from '../../src/store/concepts.ts';

describe('conceptTokensProblem', () => {
  it('lets the shipped packs’ collections run (196 x 128 and 196 x 96 tokens: 176 kB an image)', () => {
    expect(conceptTokensProblem(2000, { pre: 196, dPre: 128, post: 196, dPost: 96 })).toBeNull();
  });

  it('refuses 1,000 LLaVA-size images, saying how many would fit', () => {
    const llava = { pre: 576, dPre: 1024, post: 576, dPost: 4096 };
    const perImage = 4 * 576 * (1024 + 4096); // 11.8 MB
    expect(Math.floor(MAX_CONCEPT_TOKEN_BYTES / perImage)).toBe(91);
    expect(conceptTokensProblem(91, llava)).toBeNull();
    expect(conceptTokensProblem(1000, llava)).toBe(
      "Concepts train on every embedded image's tokens at once: 1,000 images of 576 x 1024 and 576 x 4096 need 11.8 GB, more than the 1.1 GB a tab can give them. Run concepts on at most 91 images (remove some, or open a part of the store).",
    );
  });
});
