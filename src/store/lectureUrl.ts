/**
 * Keeps the lecture and the URL in step: `?lecture` or `#lecture/<n>` at start open it; the hash
 * follows navigation (replaced, not pushed, so Back leaves the page rather than rewinding slides)
 * and a reload stays on the step; editing the hash by hand moves the lecture.
 */
import { formatLectureHash, hasLectureSwitch, parseLectureHash, withoutLectureSwitch } from '../core/lecture/lectureUrl.ts';
import { LECTURE_STEP_COUNT } from '../core/lecture/steps.ts';
import { lecture, lectureStore } from './lectureStore.ts';

type UrlWindow = Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>;

/** Starts syncing; returns a function that stops it. */
export function syncLectureWithUrl(win: UrlWindow): () => void {
  const { location, history } = win;
  const fromHash = parseLectureHash(location.hash, LECTURE_STEP_COUNT);
  if (fromHash !== null) lecture({ type: 'open', step: fromHash });
  else if (hasLectureSwitch(location.search)) lecture({ type: 'open', step: 0 });

  const write = (): void => {
    const { open, step } = lectureStore.getState();
    // Closing clears a lecture hash only; any other hash is not ours to touch.
    const hash = open ? formatLectureHash(step, LECTURE_STEP_COUNT) : parseLectureHash(location.hash, LECTURE_STEP_COUNT) === null ? location.hash : '';
    const search = withoutLectureSwitch(location.search);
    if (hash === location.hash && search === location.search) return;
    history.replaceState(history.state, '', `${location.pathname}${search}${hash}`);
  };
  const onHashChange = (): void => {
    const step = parseLectureHash(location.hash, LECTURE_STEP_COUNT);
    lecture(step === null ? { type: 'close' } : { type: 'open', step });
  };
  write();
  const unsubscribe = lectureStore.subscribe(write);
  win.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHashChange);
  };
}
