/** Coalesce redraw requests: any number of `request()` calls give at most one draw per frame. */
export interface FrameScheduler {
  /** Ask for a draw on the next frame; a no-op while one is already pending. */
  request(): void;
  /** Drop the pending draw, if any (call on unmount). */
  cancel(): void;
  /** Whether a draw is pending. */
  readonly pending: boolean;
}

export type RequestFrame = (callback: () => void) => number;
export type CancelFrame = (handle: number) => void;

/** The global requestAnimationFrame, or a ~60 Hz timer where there is none (workers, Node). */
function defaultRaf(): { raf: RequestFrame; caf: CancelFrame } {
  const g = globalThis as { requestAnimationFrame?: (cb: FrameRequestCallback) => number; cancelAnimationFrame?: (h: number) => void };
  if (typeof g.requestAnimationFrame === 'function' && typeof g.cancelAnimationFrame === 'function') {
    const r = g.requestAnimationFrame.bind(globalThis);
    const c = g.cancelAnimationFrame.bind(globalThis);
    return { raf: (cb) => r(() => cb()), caf: (h) => c(h) };
  }
  return {
    raf: (cb) => setTimeout(cb, 16) as unknown as number,
    caf: (h) => clearTimeout(h as unknown as ReturnType<typeof setTimeout>),
  };
}

/**
 * `draw` runs once per frame in which at least one request was made. A request made from
 * inside `draw` schedules the next frame. If `draw` throws, the scheduler stays usable (the
 * error propagates to the frame callback's caller).
 */
export function createFrameScheduler(draw: () => void, raf?: RequestFrame, caf?: CancelFrame): FrameScheduler {
  const fallback = raf && caf ? null : defaultRaf();
  const requestFrame = raf ?? fallback!.raf;
  const cancelFrame = caf ?? (fallback ? fallback.caf : () => undefined);
  let handle: number | null = null;
  let cancelled = 0;
  return {
    request() {
      if (handle !== null) return;
      const generation = cancelled;
      handle = requestFrame(() => {
        // A cancel whose handle the frame source could not honour (no caf given) still wins.
        if (generation !== cancelled) return;
        handle = null;
        draw();
      });
    },
    cancel() {
      if (handle === null) return;
      cancelFrame(handle);
      handle = null;
      cancelled++;
    },
    get pending() {
      return handle !== null;
    },
  };
}
