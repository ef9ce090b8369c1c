import { afterEach, describe, expect, it } from 'vitest';
import { closedLecture } from '../../src/core/lecture/navigation.ts';
import { lecture, lectureStore } from '../../src/store/lectureStore.ts';
import { syncLectureWithUrl } from '../../src/store/lectureUrl.ts';

/** Just enough of a window: a URL whose hash and search replaceState rewrites, and hashchange. */
function fakeWindow(href: string) {
  const url = new URL(href);
  const listeners = new Set<() => void>();
  const win = {
    location: url,
    history: { state: null, replaceState: (_: unknown, __: string, next: string) => void (url.href = new URL(next, url).href) },
    addEventListener: (_: string, f: () => void) => void listeners.add(f),
    removeEventListener: (_: string, f: () => void) => void listeners.delete(f),
  };
  const typeHash = (hash: string) => {
    url.hash = hash;
    listeners.forEach((f) => f());
  };
  return { win: win as unknown as Parameters<typeof syncLectureWithUrl>[0], url, typeHash, listeners };
}

let stop: () => void = () => undefined;
afterEach(() => {
  stop();
  lectureStore.setState(closedLecture, true);
});

describe('syncLectureWithUrl', () => {
  it('opens on a deep link and writes each step into the hash', () => {
    const { win, url } = fakeWindow('http://x/some/dir/?empty&pack=vit-mlp#lecture/4');
    stop = syncLectureWithUrl(win);
    expect(lectureStore.getState()).toEqual({ open: true, step: 3 });
    lecture({ type: 'next' });
    expect(url.href).toBe('http://x/some/dir/?empty&pack=vit-mlp#lecture/5');
    lecture({ type: 'close' });
    expect(url.href).toBe('http://x/some/dir/?empty&pack=vit-mlp');
  });

  it('turns the ?lecture switch into the hash, keeping the other switches', () => {
    const { win, url } = fakeWindow('http://x/?empty&lecture&pack=vit-mlp');
    stop = syncLectureWithUrl(win);
    expect(lectureStore.getState()).toEqual({ open: true, step: 0 });
    expect(url.href).toBe('http://x/?empty&pack=vit-mlp#lecture/1');
  });

  it('follows a hash edited by hand and leaves other hashes alone', () => {
    const { win, url, typeHash, listeners } = fakeWindow('http://x/#notes');
    stop = syncLectureWithUrl(win);
    expect(lectureStore.getState().open).toBe(false);
    expect(url.hash).toBe('#notes');
    typeHash('#lecture/6');
    expect(lectureStore.getState()).toEqual({ open: true, step: 5 });
    typeHash('#elsewhere');
    expect(lectureStore.getState().open).toBe(false);
    expect(url.hash).toBe('#elsewhere');
    stop();
    expect(listeners.size).toBe(0);
  });
});
