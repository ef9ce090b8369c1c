/** Lecture mode: whether it is open and on which step (core/lecture/navigation.ts does the rules). */
import { createStore } from 'zustand/vanilla';
import { closedLecture, lectureReducer, type LectureAction, type LectureState } from '../core/lecture/navigation.ts';
import { LECTURE_STEP_COUNT } from '../core/lecture/steps.ts';

export const lectureStore = createStore<LectureState>()(() => closedLecture);

export function lecture(action: LectureAction): void {
  const before = lectureStore.getState();
  const after = lectureReducer(before, action, LECTURE_STEP_COUNT);
  if (after.open !== before.open || after.step !== before.step) lectureStore.setState(after, true);
}
