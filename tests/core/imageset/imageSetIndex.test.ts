import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/core/errors.ts';
import { parseImageSetIndex } from '../../../src/core/imageset/imageSetIndex.ts';

const entry = (file: string, label = 'animal-mammal', split = 'train') => ({ file, label, split, source: 'emoji-datasource-google', license: 'Apache-2.0' });

describe('parseImageSetIndex', () => {
  it('keeps file, label and split, ignoring the rest', () => {
    expect(parseImageSetIndex({ images: [entry('a.png'), entry('b-2.png', 'food-fruit', 'heldout')] })).toEqual([
      { file: 'a.png', label: 'animal-mammal', split: 'train' },
      { file: 'b-2.png', label: 'food-fruit', split: 'heldout' },
    ]);
  });

  it('refuses names that leave the folder, repeats, missing labels and unknown splits', () => {
    const message = (json: unknown) => {
      try {
        parseImageSetIndex(json);
      } catch (e) {
        expect(e).toBeInstanceOf(UserFacingError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(message({ images: [entry('../x.png')] })).toMatch(/image 1 has no plain file name/);
    expect(message({ images: [entry('sub/x.png')] })).toBe('accepted');
    for (const bad of ['sub/../x.png', 'a/b/x.png', '/x.png', 'https://evil.example/x.png', '.hidden/x.png', 'sub\\x.png', 'x.svg'])
      expect(message({ images: [entry(bad)] }), bad).toMatch(/no plain file name/);
    expect(message({ images: [entry('a.png'), entry('a.png')] })).toMatch(/a\.png is listed twice/);
    expect(message({ images: [entry('a.png', ' ')] })).toMatch(/a\.png has no label/);
    expect(message({ images: [entry('a.png', 'x', 'test')] })).toMatch(/split "test", expected "train" or "heldout"/);
    expect(message({})).toMatch(/no "images" list/);
    expect(message(null)).toMatch(/no "images" list/);
  });

  it('on any JSON value returns entries or a UserFacingError, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          const out = parseImageSetIndex(typeof json === 'object' && json !== null && !Array.isArray(json) ? json : { images: json });
          expect(out.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(UserFacingError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
