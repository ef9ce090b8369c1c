/**
 * An error whose message is written for the person using the app: what went wrong and what to do,
 * e.g. "notes.txt is not an image (it contains text). Add PNG, JPEG, GIF, WebP or BMP files."
 * Other errors (RangeError from argument checks) are programming errors: the UI shows a generic
 * line for those and logs the detail.
 *
 * Structured cloning (postMessage from a worker) turns any Error subclass into a plain Error named
 * "Error", so across a worker boundary send toErrorPayload(e) and rebuild with fromErrorPayload.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** What a worker posts for a failure: plain data, safe to clone. */
export interface ErrorPayload {
  readonly message: string;
  readonly userFacing: boolean;
}

export function isUserFacing(e: unknown): e is UserFacingError {
  return e instanceof UserFacingError;
}

export function toErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof Error) return { message: e.message, userFacing: isUserFacing(e) };
  return { message: String(e), userFacing: false };
}

export function isErrorPayload(v: unknown): v is ErrorPayload {
  return typeof v === 'object' && v !== null && typeof (v as ErrorPayload).message === 'string' && typeof (v as ErrorPayload).userFacing === 'boolean';
}

export function fromErrorPayload(p: ErrorPayload): Error {
  return p.userFacing ? new UserFacingError(p.message) : new Error(p.message);
}

/** The message to show: a user-facing error's (or payload's) own words, else `fallback`. */
export function userMessage(e: unknown, fallback = 'Something went wrong. Reload the page and try again.'): string {
  if (isUserFacing(e)) return e.message;
  if (isErrorPayload(e) && e.userFacing) return e.message;
  return fallback;
}
