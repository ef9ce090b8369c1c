/**
 * Everything the command says to people goes through here: results on stdout, notes, warnings
 * and failures on stderr (with the progress bar), and raw error text only with --verbose. Tests
 * pass a reporter that records lines instead of printing them.
 */
import { describeFailure, errorText } from '../src/core/errors.ts';
import { ProgressBar, type ProgressSink } from './progress.ts';

export type Level = 'info' | 'warning' | 'error';

export interface Reporter {
  /** A result line (stdout). */
  out(text: string): void;
  /** A note, warning or failure (stderr). `error`, when given, is shown raw only with --verbose. */
  say(level: Level, text: string, error?: unknown): void;
  /** A progress bar over `total` steps; update it with the count done. */
  progress(label: string, total: number): { update(done: number): void; finish(): void };
}

/** The raw text behind a failure, for --verbose: the runtime's own words and the stack. */
export function rawDetails(error: unknown): string {
  const failure = describeFailure(error);
  const parts = [failure.details ?? errorText(error)];
  if (error instanceof Error && error.stack) parts.push(error.stack);
  return parts.join('\n');
}

const PREFIX: Readonly<Record<Level, string>> = { info: '', warning: 'warning: ', error: 'error: ' };

export function consoleReporter(options: { readonly verbose: boolean; readonly stdout?: NodeJS.WriteStream; readonly stderr?: NodeJS.WriteStream }): Reporter {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let bar: ProgressBar | null = null;
  const around = (print: () => void) => {
    bar?.clear();
    print();
    bar?.redraw();
  };
  const sink: ProgressSink = { write: (t) => void stderr.write(t), isTTY: stderr.isTTY === true, columns: stderr.columns };
  return {
    out: (text) => around(() => stdout.write(`${text}\n`)),
    say: (level, text, error) =>
      around(() => {
        stderr.write(`${PREFIX[level]}${text}\n`);
        if (options.verbose && error !== undefined) stderr.write(`  details: ${rawDetails(error).replace(/\n/g, '\n    ')}\n`);
      }),
    progress: (label, total) => {
      const current = new ProgressBar(sink, label, total);
      bar = current;
      return {
        update: (done) => current.update(done),
        finish: () => {
          current.finish();
          if (bar === current) bar = null;
        },
      };
    },
  };
}

/** A reporter that keeps every line, for tests and for callers that print later. */
export interface RecordedLine {
  readonly stream: 'out' | Level;
  readonly text: string;
}

export function recordingReporter(): Reporter & { readonly lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  return {
    lines,
    out: (text) => void lines.push({ stream: 'out', text }),
    say: (level, text) => void lines.push({ stream: level, text }),
    progress: () => ({ update: () => undefined, finish: () => undefined }),
  };
}
