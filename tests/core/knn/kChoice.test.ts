import { describe, expect, it } from 'vitest';
import { readK, trivialKWarning } from '../../../src/core/knn/kChoice.ts';

describe('readK', () => {
  it('takes whole numbers from 1 to 100', () => {
    expect(readK('10')).toEqual({ ok: true, k: 10 });
    expect(readK(' 1 ')).toEqual({ ok: true, k: 1 });
    expect(readK('100')).toEqual({ ok: true, k: 100 });
  });

  it('says why it refuses 0, 200, 2.5 and nothing', () => {
    expect(readK('0')).toEqual({ ok: false, why: 'k is at least 1: each image needs one neighbour or more to compare.' });
    expect(readK('200')).toEqual({ ok: false, why: 'k is at most 100 here: the neighbour tables keep that many per image.' });
    expect(readK('2.5')).toEqual({ ok: false, why: 'k counts neighbours, so it is a whole number (1 to 100), not 2.5.' });
    expect(readK('')).toEqual({ ok: false, why: 'Type k, a whole number from 1 to 100.' });
  });
});

describe('trivialKWarning', () => {
  it('warns when every other image is a neighbour (KNOR is 1 by construction)', () => {
    expect(trivialKWarning(9, 10, false)).toBe(
      'k = 9 with 10 images: every other image is a neighbour before and after the connector, so KNOR is 1 by construction. Choose k below 9.',
    );
    expect(trivialKWarning(8, 10, false)).toBeNull();
    expect(trivialKWarning(9, 10, true)).toBeNull();
    expect(trivialKWarning(10, 10, true)).toMatch(/^k = 10 with 10 images: every image \(itself included\) is a neighbour/);
    expect(trivialKWarning(5, 1, false)).toBeNull();
  });
});
