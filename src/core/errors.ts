/**
 * An error whose message is written for the person using the app: what went wrong and what to do,
 * e.g. "notes.txt is not an image (it contains text). Add PNG, JPEG, GIF, WebP or BMP files."
 * Other errors (a RangeError from an argument check, ORT's own text, std::bad_alloc) are not: the
 * UI shows a line written for people and keeps the raw text behind "details".
 *
 * Structured cloning (postMessage from a worker) turns any Error subclass into a plain Error named
 * "Error", so a worker sends a Failure (describeFailure) and the main thread rebuilds from that.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function isUserFacing(e: unknown): e is UserFacingError {
  return e instanceof UserFacingError;
}

/** Raw text of anything thrown: for "details" and logs, never shown on its own. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.cause instanceof Error ? `${e.message} (${e.cause.message})` : e.message;
  return String(e);
}

/**
 * Why a job failed, as code decides on it: recovery branches on the code, never on the words.
 * - cancelled: the user asked to stop; stopped: the app stopped the worker itself (a new job
 *   replaced the old, or a cancel was not answered in time);
 * - crashed: the worker died; device-lost: the WebGPU device went away;
 * - timeout: one step ran past its time budget;
 * - invalid-input: the input is at fault, and the message says how;
 * - out-of-memory: the tab or the runtime could not allocate;
 * - internal: anything else (a bug, or a runtime failure without a better description).
 */
export type FailureCode = 'cancelled' | 'stopped' | 'crashed' | 'device-lost' | 'timeout' | 'invalid-input' | 'out-of-memory' | 'internal';

export const FAILURE_CODES: readonly FailureCode[] = [
  'cancelled',
  'stopped',
  'crashed',
  'device-lost',
  'timeout',
  'invalid-input',
  'out-of-memory',
  'internal',
];

/** Plain data, safe to post between threads. */
export interface Failure {
  readonly code: FailureCode;
  /** For people: what happened and what to do. */
  readonly message: string;
  /** The raw text behind it (runtime messages, stack-free), shown only on request; null when the message says it all. */
  readonly details: string | null;
}

/** A thrown Failure: what workers' clients reject with. */
export class FailureError extends Error {
  override readonly name = 'FailureError';
  readonly code: FailureCode;
  readonly details: string | null;
  constructor(failure: Failure) {
    super(failure.message);
    this.code = failure.code;
    this.details = failure.details;
  }
  get failure(): Failure {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isFailure(e: unknown, code?: FailureCode): e is FailureError {
  return e instanceof FailureError && (code === undefined || e.code === code);
}

/** An error that already knows its code (thrown by ml/ for device loss, by workers for time budgets). */
export class CodedError extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    readonly details: string | null = null,
  ) {
    super(message);
  }
}

export const OUT_OF_MEMORY_MESSAGE =
  'This browser tab ran out of memory. Close other tabs, analyse fewer or smaller images, or use a smaller model (an fp16 or q4 variant), then try again.';

// Display only: these decide which sentence people read, never what the app does next.
const OUT_OF_MEMORY =
  /allocation failed|out of memory|bad_alloc|Invalid typed array length|Array buffer allocation|Cannot allocate|memory access out of bounds|OOM/i;
const RUNTIME = /onnxruntime|OrtRun|ERROR_CODE|ERROR_MESSAGE|\bORT\b|session|kernel|WebGPU|wasm/i;

/**
 * Any thrown value as a Failure. `doing` names the step for the generic message ("open the
 * model", "embed photo.jpg"); the raw text goes to details.
 */
export function describeFailure(e: unknown, doing = 'finish this step'): Failure {
  if (e instanceof FailureError) return e.failure;
  if (e instanceof CodedError) return { code: e.code, message: e.message, details: e.details };
  if (isUserFacing(e)) return { code: 'invalid-input', message: e.message, details: e.cause === undefined ? null : errorText(e.cause) };
  const raw = errorText(e);
  if (e instanceof Error && e.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.', details: null };
  if (OUT_OF_MEMORY.test(raw)) return { code: 'out-of-memory', message: OUT_OF_MEMORY_MESSAGE, details: raw };
  if (RUNTIME.test(raw)) {
    return {
      code: 'internal',
      message: `The model runtime could not ${doing}. The model may use an operation or a data type this browser's runtime lacks, or the file may be damaged; see details.`,
      details: raw,
    };
  }
  return {
    code: 'internal',
    message: `Something went wrong while trying to ${doing}. Reload the page and try again; if it happens again, the details help a bug report.`,
    details: raw,
  };
}

/** The message to show: a user-facing error's (or failure's) own words, else `fallback`. */
export function userMessage(e: unknown, fallback = 'Something went wrong. Reload the page and try again.'): string {
  if (isUserFacing(e)) return e.message;
  if (e instanceof FailureError || e instanceof CodedError) return e.message;
  return fallback;
}
