import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLectureHash, hasLectureSwitch, parseLectureHash, withoutLectureSwitch } from '../../../src/core/lecture/lectureUrl.ts';

const N = 7;
/** Hashes as people type and paste them: the real prefix mixed with any text. */
const hashLike = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc
    .tuple(fc.constantFrom('#lecture', 'lecture', '#LECTURE', '#lecture/', '#Lecture/', '#lectures', '#lecture-'), fc.string({ unit: 'binary', maxLength: 20 }))
    .map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('#lecture/', 'lecture/'), fc.stringMatching(/^\d{1,14}$/)).map(([a, b]) => a + b),
);

describe('parseLectureHash', () => {
  it('reads the documented forms', () => {
    expect(parseLectureHash('', N)).toBeNull();
    expect(parseLectureHash('#', N)).toBeNull();
    expect(parseLectureHash('#lecture', N)).toBe(0);
    expect(parseLectureHash('#lecture/', N)).toBe(0);
    expect(parseLectureHash('#lecture/3', N)).toBe(2);
    expect(parseLectureHash('lecture/7', N)).toBe(6);
    expect(parseLectureHash('#Lecture/4', N)).toBe(3);
    expect(parseLectureHash('#lecture/007', N)).toBe(6);
  });

  it('clamps numbers out of range and opens step 1 for anything else after the slash', () => {
    expect(parseLectureHash('#lecture/0', N)).toBe(0);
    expect(parseLectureHash('#lecture/99', N)).toBe(6);
    expect(parseLectureHash('#lecture/99999999999999999999', N)).toBe(6);
    expect(parseLectureHash('#lecture/two', N)).toBe(0);
    expect(parseLectureHash('#lecture/-3', N)).toBe(0);
    expect(parseLectureHash('#lecture/3.5', N)).toBe(0);
  });

  it('is not fooled by look-alikes', () => {
    expect(parseLectureHash('#lectures', N)).toBeNull();
    expect(parseLectureHash('#lecture-3', N)).toBeNull();
    expect(parseLectureHash('#x/lecture/3', N)).toBeNull();
    expect(parseLectureHash('##lecture/3', N)).toBeNull();
  });

  it('never throws and always answers null or a step in range', () => {
    fc.assert(
      fc.property(hashLike, (hash) => {
        const step = parseLectureHash(hash, N);
        expect(step === null || (Number.isInteger(step) && step >= 0 && step < N)).toBe(true);
      }),
    );
  });

  it('answers null exactly when the hash does not start with the word "lecture"', () => {
    fc.assert(
      fc.property(hashLike, (hash) => {
        const body = hash.replace(/^#/, '');
        const claims = /^lecture(\/|$)/i.test(body);
        expect(parseLectureHash(hash, N) !== null).toBe(claims);
      }),
    );
  });

  it('reads a number as its step, clamped', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,14}$/), (digits) => {
        expect(parseLectureHash(`#lecture/${digits}`, N)).toBe(Math.max(0, Math.min(N - 1, Number(digits) - 1)));
      }),
    );
  });

  it('reads back what formatLectureHash writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: N - 1 }), (step) => {
        expect(parseLectureHash(formatLectureHash(step, N), N)).toBe(step);
      }),
    );
  });
});

describe('formatLectureHash', () => {
  it('writes 1-based steps and refuses steps out of range', () => {
    expect(formatLectureHash(0, N)).toBe('#lecture/1');
    expect(formatLectureHash(6, N)).toBe('#lecture/7');
    expect(() => formatLectureHash(7, N)).toThrow(RangeError);
    expect(() => formatLectureHash(-1, N)).toThrow(/invalid lecture step: -1/);
    expect(() => formatLectureHash(1.5, N)).toThrow(RangeError);
  });
});

describe('the ?lecture switch', () => {
  it('is found with or without a value and removed leaving the rest verbatim', () => {
    expect(hasLectureSwitch('?lecture')).toBe(true);
    expect(hasLectureSwitch('?empty&lecture=1&pack=vit-mlp')).toBe(true);
    expect(hasLectureSwitch('?lectures&x=lecture')).toBe(false);
    expect(hasLectureSwitch('')).toBe(false);
    expect(withoutLectureSwitch('?empty&lecture&pack=vit-mlp')).toBe('?empty&pack=vit-mlp');
    expect(withoutLectureSwitch('?lecture')).toBe('');
    expect(withoutLectureSwitch('?a=%zz&lecture')).toBe('?a=%zz');
    expect(withoutLectureSwitch('?%6Cecture&b')).toBe('?b');
  });

  it('never throws; removing leaves no switch and keeps every other entry in order', () => {
    const entry = fc.oneof(
      fc.constantFrom('lecture', 'lecture=', 'lecture=yes', 'empty', 'pack=vit-mlp', '%zz', '='),
      fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/[&#]/g, '')),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), fc.boolean(), (entries, mark) => {
        const search = `${mark ? '?' : ''}${entries.join('&')}`;
        const out = withoutLectureSwitch(search);
        expect(hasLectureSwitch(out)).toBe(false);
        const others = entries.filter((e) => e !== '' && !/^lecture(=|$)/.test(e));
        if (others.every((e) => !/^(%6c|l)(%65|e)/i.test(e))) expect(out).toBe(others.length > 0 ? `?${others.join('&')}` : '');
      }),
    );
  });
});
