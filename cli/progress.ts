/**
 * Progress of a long loop on stderr: on a terminal one line redrawn in place (a bar, images
 * done/total, images per second, time left); elsewhere (a log file, CI, a pipe) a plain line at
 * every 10 %, so logs stay readable. Messages printed meanwhile clear the bar first and redraw
 * it after (reporter.ts), so the two never share a line.
 */

export interface ProgressSink {
  /** The stream the bar is drawn on, and whether it is a terminal. */
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** Terminal width in characters (80 when unknown). */
  readonly columns?: number | undefined;
}

/** Seconds as "42s", "3m05s", "2h04m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The words after the bar: "37/120 images, 4.2 images/s, 20s left". */
export function progressText(label: string, done: number, total: number, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const left = rate > 0 ? formatDuration((total - done) / rate) : '--';
  const speed = rate > 0 ? `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} ${label}/s` : `-- ${label}/s`;
  return `${done}/${total} ${label}, ${speed}, ${done >= total ? 'done' : `${left} left`}`;
}

/** "[#########.........] 37/120 images, ..." fitted to `columns`. */
export function progressLine(label: string, done: number, total: number, elapsedSeconds: number, columns: number): string {
  const text = progressText(label, done, total, elapsedSeconds);
  const width = Math.max(10, Math.min(40, columns - text.length - 4));
  const filled = total > 0 ? Math.round((width * done) / total) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
}

/** Redraws on a terminal at most this often: drawing every image of a fast model costs more than it shows. */
const REDRAW_MS = 100;

export class ProgressBar {
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private lastDecile = 0;
  private done = 0;
  private visible = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly total: number,
  ) {}

  private elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  update(done: number): void {
    this.done = done;
    if (this.sink.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < REDRAW_MS && done < this.total) return;
      this.lastDraw = now;
      this.draw();
      return;
    }
    // Plain output: one line per 10 % reached (several at once when a step jumps).
    const decile = this.total > 0 ? Math.floor((10 * done) / this.total) : 10;
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.sink.write(`${decile * 10}% ${progressText(this.label, done, this.total, this.elapsed())}\n`);
    }
  }

  private draw(): void {
    this.sink.write(`\r\x1b[2K${progressLine(this.label, this.done, this.total, this.elapsed(), this.sink.columns ?? 80)}`);
    this.visible = true;
  }

  /** Take the bar off the line, so a message can be printed there. */
  clear(): void {
    if (this.visible) this.sink.write('\r\x1b[2K');
    this.visible = false;
  }

  /** Draw it again after a message. */
  redraw(): void {
    if (this.sink.isTTY && this.done < this.total) this.draw();
  }

  /** Leave the final state on its own line (terminal) or say nothing more (plain). */
  finish(): void {
    if (this.sink.isTTY) {
      this.draw();
      this.sink.write('\n');
      this.visible = false;
    }
  }
}
