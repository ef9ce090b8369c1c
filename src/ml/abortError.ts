/**
 * The error a cancelled job rejects with: named 'AbortError', as fetch's, so describeFailure
 * (core/errors.ts) reads it as a cancel, not a failure.
 */
export const abortError = (message = 'cancelled'): Error => Object.assign(new Error(message), { name: 'AbortError' });
