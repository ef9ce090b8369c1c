import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closedLecture,
  lectureKeyAction,
  lectureReducer,
  type KeyContext,
  type LectureAction,
  type LectureState,
} from '../../../src/core/lecture/navigation.ts';
import { LECTURE_STEP_COUNT, LECTURE_STEPS } from '../../../src/core/lecture/steps.ts';

const N = LECTURE_STEP_COUNT;
const run = (actions: LectureAction[], from: LectureState = closedLecture) => actions.reduce((s, a) => lectureReducer(s, a, N), from);
const key = (k: string, over: Partial<KeyContext> = {}): KeyContext => ({ key: k, shift: false, command: false, typing: false, onControl: false, ...over });

describe('lecture steps', () => {
  it('walks the pipeline in order, one sentence each', () => {
    expect(LECTURE_STEPS.map((s) => s.id)).toEqual(['image', 'encoder', 'connector', 'neighbours', 'knor', 'reconstruction', 'heatmap', 'concepts']);
    for (const s of LECTURE_STEPS) expect(s.explanation).toMatch(/^[^.]+\.$/);
  });
});

describe('lectureReducer', () => {
  it('opens at step 1, goes on and back without wrapping, jumps to the ends', () => {
    expect(run([{ type: 'open' }])).toEqual({ open: true, step: 0 });
    expect(run([{ type: 'open' }, { type: 'previous' }]).step).toBe(0);
    expect(run([{ type: 'open' }, { type: 'next' }, { type: 'next' }]).step).toBe(2);
    expect(run([{ type: 'open' }, { type: 'last' }, { type: 'next' }]).step).toBe(N - 1);
    expect(run([{ type: 'open' }, { type: 'last' }, { type: 'previous' }, { type: 'first' }]).step).toBe(0);
  });

  it('reopens where it was closed, unless told a step', () => {
    const closed = run([{ type: 'open' }, { type: 'goto', step: 4 }, { type: 'close' }]);
    expect(closed).toEqual({ open: false, step: 4 });
    expect(run([{ type: 'open' }], closed)).toEqual({ open: true, step: 4 });
    expect(run([{ type: 'open', step: 1 }], closed)).toEqual({ open: true, step: 1 });
  });

  it('ignores navigation while closed', () => {
    expect(run([{ type: 'next' }, { type: 'last' }, { type: 'goto', step: 3 }])).toBe(closedLecture);
  });

  it('keeps the step in range whatever the actions', () => {
    const action: fc.Arbitrary<LectureAction> = fc.oneof(
      fc.constantFrom<LectureAction>({ type: 'close' }, { type: 'next' }, { type: 'previous' }, { type: 'first' }, { type: 'last' }, { type: 'open' }),
      fc.oneof(fc.integer(), fc.double()).map((step): LectureAction => ({ type: 'goto', step })),
      fc.oneof(fc.integer(), fc.double()).map((step): LectureAction => ({ type: 'open', step })),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const s = run(actions);
        expect(Number.isInteger(s.step) && s.step >= 0 && s.step < N).toBe(true);
      }),
    );
  });
});

describe('lectureKeyAction', () => {
  it('opens on L only while closed and not typing', () => {
    expect(lectureKeyAction(key('l'), false, N)).toEqual({ type: 'open' });
    expect(lectureKeyAction(key('L'), false, N)).toEqual({ type: 'open' });
    expect(lectureKeyAction(key('l', { typing: true }), false, N)).toBeNull();
    expect(lectureKeyAction(key('l', { command: true }), false, N)).toBeNull();
    expect(lectureKeyAction(key('ArrowRight'), false, N)).toBeNull();
    expect(lectureKeyAction(key('Escape'), false, N)).toBeNull();
  });

  it('maps the presentation keys while open', () => {
    const map = (k: string, over: Partial<KeyContext> = {}) => lectureKeyAction(key(k, over), true, N)?.type ?? null;
    expect(['ArrowRight', 'PageDown', ' '].map((k) => map(k))).toEqual(['next', 'next', 'next']);
    expect(['ArrowLeft', 'PageUp'].map((k) => map(k))).toEqual(['previous', 'previous']);
    expect(map(' ', { shift: true })).toBe('previous');
    expect([map('Home'), map('End'), map('Escape')]).toEqual(['first', 'last', 'close']);
    expect(lectureKeyAction(key('3'), true, N)).toEqual({ type: 'goto', step: 2 });
    expect(lectureKeyAction(key('8'), true, N)).toEqual({ type: 'goto', step: 7 });
    expect([map('9'), map('0'), map('l'), map('Enter')]).toEqual([null, null, null, null]);
  });

  it('leaves Space to a focused button, typing to a field, shortcuts to the browser', () => {
    expect(lectureKeyAction(key(' ', { onControl: true }), true, N)).toBeNull();
    expect(lectureKeyAction(key('ArrowRight', { onControl: true }), true, N)).toEqual({ type: 'next' });
    expect(lectureKeyAction(key('ArrowRight', { typing: true }), true, N)).toBeNull();
    expect(lectureKeyAction(key('Escape', { typing: true }), true, N)).toEqual({ type: 'close' });
    expect(lectureKeyAction(key('ArrowRight', { command: true }), true, N)).toBeNull();
  });
});
