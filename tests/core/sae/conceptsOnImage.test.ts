/** The lecture's pick of concepts on one image (core/sae/conceptsOnImage.ts), against sorting by hand. */
import { describe, expect, it } from 'vitest';
import type { ConceptMatch } from '../../../src/core/sae/conceptSurvival.ts';
import { conceptsOnImage } from '../../../src/core/sae/conceptsOnImage.ts';

const match = (pre: number, lost: boolean): ConceptMatch => ({ pre, post: lost ? null : pre, coActivation: 0.5, alignment: Number.NaN, bridge: 0.5, lost });

describe('concepts on one image', () => {
  it('takes the strongest kept and lost concepts of that image only, leaving out those silent on it', () => {
    const latents = 6;
    // Image 0 is a decoy with other strengths; image 1 is the one asked about.
    const perImage = Float32Array.from([9, 9, 9, 9, 9, 9, 0.5, 2, 0, 3, 1, 0.7]);
    const matches = [match(0, false), match(1, true), match(2, false), match(3, false), match(4, true), match(5, true)];
    const picked = conceptsOnImage(perImage, latents, 1, matches, 2);
    expect(picked.kept.map((c) => [c.match.pre, c.activation])).toEqual([
      [3, 3],
      [0, 0.5],
    ]);
    expect(picked.lost.map((c) => c.match.pre)).toEqual([1, 4]);
    // Concept 2 never fires on image 1; with room for more, it is still not listed.
    expect(conceptsOnImage(perImage, latents, 1, matches, 5).kept.map((c) => c.match.pre)).toEqual([3, 0]);
  });
});
