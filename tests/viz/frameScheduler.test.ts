import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameScheduler } from '../../src/viz/frameScheduler.ts';

/** A manual animation-frame source: callbacks run only when `frame()` is called. */
function fakeRaf() {
  let next = 1;
  const queue = new Map<number, () => void>();
  const raf = vi.fn((cb: () => void) => {
    const id = next++;
    queue.set(id, cb);
    return id;
  });
  const caf = vi.fn((id: number) => {
    queue.delete(id);
  });
  const frame = () => {
    const due = [...queue.values()];
    queue.clear();
    for (const cb of due) cb();
  };
  return { raf, caf, frame, queued: () => queue.size };
}

describe('createFrameScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces many requests into one draw per frame', () => {
    const f = fakeRaf();
    const draw = vi.fn();
    const s = createFrameScheduler(draw, f.raf, f.caf);
    for (let i = 0; i < 100; i++) s.request();
    expect(f.raf).toHaveBeenCalledTimes(1);
    expect(s.pending).toBe(true);
    expect(draw).not.toHaveBeenCalled();
    f.frame();
    expect(draw).toHaveBeenCalledTimes(1);
    expect(s.pending).toBe(false);
    f.frame();
    expect(draw).toHaveBeenCalledTimes(1);
    s.request();
    s.request();
    f.frame();
    expect(draw).toHaveBeenCalledTimes(2);
    expect(f.raf).toHaveBeenCalledTimes(2);
  });

  it('cancel drops the pending draw; later requests still work', () => {
    const f = fakeRaf();
    const draw = vi.fn();
    const s = createFrameScheduler(draw, f.raf, f.caf);
    s.request();
    s.cancel();
    expect(f.caf).toHaveBeenCalledTimes(1);
    expect(s.pending).toBe(false);
    f.frame();
    expect(draw).not.toHaveBeenCalled();
    s.cancel(); // nothing pending: no-op
    expect(f.caf).toHaveBeenCalledTimes(1);
    s.request();
    f.frame();
    expect(draw).toHaveBeenCalledTimes(1);
  });

  it('a cancel wins even when the frame source cannot cancel', () => {
    const callbacks: (() => void)[] = [];
    const draw = vi.fn();
    const s = createFrameScheduler(
      draw,
      (cb) => callbacks.push(cb),
      () => undefined,
    );
    s.request();
    s.cancel();
    callbacks.forEach((cb) => cb());
    expect(draw).not.toHaveBeenCalled();
  });

  it('a request made while drawing schedules the next frame, not a re-entrant draw', () => {
    const f = fakeRaf();
    let draws = 0;
    const s = createFrameScheduler(
      () => {
        draws++;
        if (draws < 3) s.request();
      },
      f.raf,
      f.caf,
    );
    s.request();
    f.frame();
    expect(draws).toBe(1);
    expect(s.pending).toBe(true);
    f.frame();
    f.frame();
    f.frame();
    expect(draws).toBe(3);
    expect(s.pending).toBe(false);
  });

  it('stays usable after draw throws', () => {
    const f = fakeRaf();
    let fail = true;
    const draw = vi.fn(() => {
      if (fail) throw new Error('boom');
    });
    const s = createFrameScheduler(draw, f.raf, f.caf);
    s.request();
    expect(() => f.frame()).toThrow('boom');
    fail = false;
    s.request();
    f.frame();
    expect(draw).toHaveBeenCalledTimes(2);
  });

  it('falls back to a ~16 ms timer where there is no requestAnimationFrame (Node)', () => {
    expect(typeof (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame).toBe('undefined');
    vi.useFakeTimers();
    const draw = vi.fn();
    const s = createFrameScheduler(draw);
    s.request();
    s.request();
    vi.advanceTimersByTime(15);
    expect(draw).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(draw).toHaveBeenCalledTimes(1);
    s.request();
    s.cancel();
    vi.advanceTimersByTime(100);
    expect(draw).toHaveBeenCalledTimes(1);
  });

  it('uses a global requestAnimationFrame when there is one', () => {
    const f = fakeRaf();
    vi.stubGlobal('requestAnimationFrame', f.raf);
    vi.stubGlobal('cancelAnimationFrame', f.caf);
    try {
      const draw = vi.fn();
      const s = createFrameScheduler(draw);
      s.request();
      s.request();
      expect(f.raf).toHaveBeenCalledTimes(1);
      f.frame();
      expect(draw).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
