/**
 * Lecture navigation as a reducer over { open, step } (step is 0-based), and the keyboard map
 * that produces its actions. Pure: the component passes in what it knows about the key event.
 */

export interface LectureState {
  readonly open: boolean;
  /** 0-based; kept while closed, so reopening returns to where the presenter left. */
  readonly step: number;
}

export type LectureAction =
  | { readonly type: 'open'; readonly step?: number }
  | { readonly type: 'close' }
  | { readonly type: 'next' }
  | { readonly type: 'previous' }
  | { readonly type: 'first' }
  | { readonly type: 'last' }
  | { readonly type: 'goto'; readonly step: number };

export const closedLecture: LectureState = { open: false, step: 0 };

/** `step` clamped into 0..count-1; a non-integer (NaN, 2.5) falls back to `fallback`. */
export function clampStep(step: number, count: number, fallback = 0): number {
  if (!Number.isInteger(step)) return Math.max(0, Math.min(count - 1, fallback));
  return Math.max(0, Math.min(count - 1, step));
}

/** Steps do not wrap: next on the last step and previous on the first stay put. */
export function lectureReducer(state: LectureState, action: LectureAction, count: number): LectureState {
  if (action.type === 'open') return { open: true, step: clampStep(action.step ?? state.step, count, state.step) };
  if (!state.open) return state;
  switch (action.type) {
    case 'close':
      return { ...state, open: false };
    case 'next':
      return { ...state, step: clampStep(state.step + 1, count) };
    case 'previous':
      return { ...state, step: clampStep(state.step - 1, count) };
    case 'first':
      return { ...state, step: 0 };
    case 'last':
      return { ...state, step: count - 1 };
    case 'goto':
      return { ...state, step: clampStep(action.step, count, state.step) };
  }
}

export interface KeyContext {
  /** KeyboardEvent.key. */
  readonly key: string;
  readonly shift: boolean;
  /** Ctrl, Alt or Meta held: a browser or system shortcut, never ours. */
  readonly command: boolean;
  /** Focus is in a text field, select or editable element: keys are the user's typing. */
  readonly typing: boolean;
  /** Focus is on a button or link: Space and Enter activate it. */
  readonly onControl: boolean;
}

/** The lecture's opening key; also the header button's access key. */
export const LECTURE_KEY = 'l';

/**
 * What a key does: closed, `L` opens; open, ArrowRight/PageDown/Space go on, ArrowLeft/PageUp/
 * Shift+Space go back, Home/End jump to the ends, digits 1..count jump to a step, Escape exits.
 * Presentation clickers send PageDown/PageUp, hence those.
 */
export function lectureKeyAction(k: KeyContext, open: boolean, count: number): LectureAction | null {
  if (k.command) return null;
  if (!open) return !k.typing && !k.shift && k.key.toLowerCase() === LECTURE_KEY ? { type: 'open' } : null;
  if (k.key === 'Escape') return { type: 'close' };
  if (k.typing) return null;
  switch (k.key) {
    case 'ArrowRight':
    case 'PageDown':
      return { type: 'next' };
    case 'ArrowLeft':
    case 'PageUp':
      return { type: 'previous' };
    case 'Home':
      return { type: 'first' };
    case 'End':
      return { type: 'last' };
    case ' ':
      if (k.onControl) return null;
      return k.shift ? { type: 'previous' } : { type: 'next' };
  }
  if (/^[1-9]$/.test(k.key) && Number(k.key) <= count) return { type: 'goto', step: Number(k.key) - 1 };
  return null;
}
