/** Matching label rows to images, and the one-line summary the UI shows. */
import { describe, expect, it } from 'vitest';
import { applyLabels, labelSummaryMessage } from '../../../src/core/labels/applyLabels.ts';
import { parseLabels } from '../../../src/core/labels/parseLabels.ts';

describe('applyLabels', () => {
  it('labels images by base name and lists unmatched images and unused rows in order', () => {
    const { labels } = parseLabels('file,label\ncat1.jpg,cat\nx.jpg,dog\ndog1.jpg,dog\ny.jpg,cat\n', 'l.csv');
    const m = applyLabels(labels, ['cat1.jpg', 'trip/dog1.jpg', 'bird.png']);
    expect(m).toEqual({
      byImage: ['cat', 'dog', null],
      labelled: 2,
      total: 3,
      unlabelledImages: ['bird.png'],
      unusedRows: ['x.jpg', 'y.jpg'],
    });
  });

  it('matches composed and decomposed accents, and letter case when only one row fits', () => {
    const labels = new Map([
      ['cafe\u0301.jpg', 'drink'],
      ['IMG_01.JPG', 'a'],
      ['Dup.jpg', 'x'],
      ['dup.JPG', 'y'],
    ]);
    const m = applyLabels(labels, ['caf\u00e9.jpg', 'img_01.jpg', 'DUP.jpg', 'Dup.jpg']);
    expect(m.byImage).toEqual(['drink', 'a', null, 'x']);
    expect(m.unusedRows).toEqual(['dup.JPG']);
  });

  it('gives one label to every image of the same name (two folders)', () => {
    const m = applyLabels(new Map([['a.jpg', 'cat']]), ['x/a.jpg', 'y/a.jpg']);
    expect(m.byImage).toEqual(['cat', 'cat']);
    expect(m.unusedRows).toEqual([]);
  });
});

describe('labelSummaryMessage', () => {
  const summary = (labelled: number, total: number, unusedRows: string[], unlabelledImages: string[] = []) =>
    labelSummaryMessage({ labelled, total, unusedRows, unlabelledImages });

  it('words the counts', () => {
    expect(summary(14, 15, ['x.jpg', 'y.jpg'])).toBe('Labelled 14 of 15 images; 2 rows named files not in the collection (e.g. x.jpg).');
    expect(summary(15, 15, [])).toBe('Labelled 15 of 15 images.');
    expect(summary(1, 1, ['x.jpg'])).toBe('Labelled 1 of 1 image; 1 row named a file not in the collection (x.jpg).');
    expect(summary(0, 3, ['a.png', 'b.png'], ['IMG_1.jpg'])).toBe(
      'Labelled 0 of 3 images; 2 rows named files not in the collection (e.g. a.png). Check that the label file names the images as they are named here (e.g. IMG_1.jpg).',
    );
  });

  it('agrees with applyLabels', () => {
    const labels = new Map([
      ['a.jpg', 'cat'],
      ['gone.jpg', 'dog'],
    ]);
    expect(labelSummaryMessage(applyLabels(labels, ['a.jpg', 'b.jpg']))).toBe('Labelled 1 of 2 images; 1 row named a file not in the collection (gone.jpg).');
  });
});

describe('applyLabels: rows without extensions', () => {
  it('match the one image of that stem (block stores name images by id), never two', () => {
    const labels = new Map([
      ['0', 'cat'],
      ['7', 'dog'],
      ['pair', 'x'],
    ]);
    const match = applyLabels(labels, ['0.png', '7', 'pair.png', 'pair.jpg', '12.png']);
    expect(match.byImage).toEqual(['cat', 'dog', null, null, null]);
    expect(match.unusedRows).toEqual(['pair']);
  });

  it('a row with an extension matches an image named by the stem alone (a block without its picture), only when unique', () => {
    const labels = new Map([
      ['7.png', 'dog'],
      ['8.png', 'a'],
      ['8.jpg', 'b'],
    ]);
    expect(applyLabels(labels, ['7', '8', '9']).byImage).toEqual(['dog', null, null]);
  });
});
