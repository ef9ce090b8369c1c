/** User-facing errors are told apart from bugs, also across a worker boundary. */
import { describe, expect, it } from 'vitest';
import { fromErrorPayload, isUserFacing, toErrorPayload, UserFacingError, userMessage } from '../../src/core/errors.ts';

describe('UserFacingError', () => {
  it('carries its message, its name and an optional cause', () => {
    const cause = new RangeError('detail');
    const e = new UserFacingError('photo.heic is a HEIC image. Convert it to JPEG or PNG.', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('UserFacingError');
    expect(e.cause).toBe(cause);
    expect(isUserFacing(e)).toBe(true);
    expect(userMessage(e)).toBe('photo.heic is a HEIC image. Convert it to JPEG or PNG.');
  });

  it('survives structured cloning as a payload (a cloned Error loses its class and name)', () => {
    expect(structuredClone(new UserFacingError('x')).name).toBe('Error');
    const payload = structuredClone(toErrorPayload(new UserFacingError('Add more images.')));
    expect(payload).toEqual({ message: 'Add more images.', userFacing: true });
    expect(userMessage(payload)).toBe('Add more images.');
    const back = fromErrorPayload(payload);
    expect(back).toBeInstanceOf(UserFacingError);
    expect(back.message).toBe('Add more images.');
    expect(fromErrorPayload(toErrorPayload(new RangeError('invalid k: 0')))).not.toBeInstanceOf(UserFacingError);
    expect(toErrorPayload('thrown string')).toEqual({ message: 'thrown string', userFacing: false });
  });

  it('falls back for programming errors and non-errors', () => {
    expect(isUserFacing(new RangeError('invalid k: 0'))).toBe(false);
    expect(userMessage(new RangeError('invalid k: 0'), 'fallback')).toBe('fallback');
    expect(userMessage(toErrorPayload(new RangeError('invalid k: 0')), 'fallback')).toBe('fallback');
    expect(userMessage('a string')).toMatch(/^Something went wrong/);
    expect(isUserFacing({ name: 'UserFacingError', message: 'm' })).toBe(false);
  });
});
