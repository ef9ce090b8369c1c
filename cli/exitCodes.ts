/**
 * How the command ends, as scripts see it, and the error that carries "this is the caller's
 * mistake" out of any module. Messages are sentences for people (what was wrong, what to do);
 * control flow reads the class and the code, never the words.
 */

export const EXIT = {
  /** Everything asked for was written. */
  ok: 0,
  /** The run finished but some images failed (each is listed), or a step after embedding could not run (the message says which). */
  someFailed: 1,
  /** The command cannot run as asked: arguments, pack, image folder, label file or output folder. Nothing was written. */
  usage: 2,
  /** Stopped by Ctrl-C after the current image; what was written is listed (128 + SIGINT, as shells expect). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad usage or unusable inputs: exit code 2, and the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

export const isUsageError = (e: unknown): e is UsageError => e instanceof UsageError;
