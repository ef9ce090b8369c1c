/** User-facing errors are told apart from bugs and runtime failures, also across a worker boundary; raw text goes to details. */
import { describe, expect, it } from 'vitest';
import {
  CodedError,
  describeFailure,
  FailureError,
  isFailure,
  isUserFacing,
  OUT_OF_MEMORY_MESSAGE,
  UserFacingError,
  userMessage,
} from '../../src/core/errors.ts';

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

  it('falls back for programming errors and non-errors', () => {
    expect(isUserFacing(new RangeError('invalid k: 0'))).toBe(false);
    expect(userMessage(new RangeError('invalid k: 0'), 'fallback')).toBe('fallback');
    expect(userMessage('a string')).toMatch(/^Something went wrong/);
    expect(isUserFacing({ name: 'UserFacingError', message: 'm' })).toBe(false);
  });
});

describe('describeFailure', () => {
  it('keeps a user-facing message as it is, as invalid input', () => {
    expect(describeFailure(new UserFacingError('Add more images.'))).toEqual({ code: 'invalid-input', message: 'Add more images.', details: null });
  });

  it('survives structured cloning (a cloned Error loses its class; a Failure is plain data)', () => {
    expect(structuredClone(new UserFacingError('x')).name).toBe('Error');
    const failure = structuredClone(describeFailure(new UserFacingError('Add more images.')));
    const back = new FailureError(failure);
    expect(isFailure(back, 'invalid-input')).toBe(true);
    expect(userMessage(back)).toBe('Add more images.');
    expect(describeFailure(back)).toEqual(failure);
  });

  it('maps allocation failures to out-of-memory with what to do, the raw text in details', () => {
    for (const raw of [
      new RangeError('Array buffer allocation failed'),
      new Error('std::bad_alloc'),
      new RangeError('Invalid typed array length: 4294967296'),
      new Error('Aborted(OOM)'),
    ]) {
      const f = describeFailure(raw, 'embed photo.jpg');
      expect(f.code).toBe('out-of-memory');
      expect(f.message).toBe(OUT_OF_MEMORY_MESSAGE);
      expect(f.details).toBe(raw.message);
    }
  });

  it('never shows runtime text or build paths as the message', () => {
    const ort = new Error('failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /onnxruntime/core/providers/cpu/math/gemm.cc:84 Gemm: shapes mismatch');
    const f = describeFailure(ort, 'open the model');
    expect(f.code).toBe('internal');
    expect(f.message).not.toMatch(/onnxruntime|ERROR_CODE|gemm\.cc/);
    expect(f.message).toMatch(/^The model runtime could not open the model\./);
    expect(f.details).toBe(ort.message);
    const bug = describeFailure(new TypeError("Cannot read properties of undefined (reading 'dims')"), 'compute KNOR');
    expect(bug.message).toMatch(/^Something went wrong while trying to compute KNOR\./);
    expect(bug.message).not.toMatch(/undefined|dims/);
  });

  it('keeps the code of a coded error and reads an AbortError as cancelled', () => {
    expect(describeFailure(new CodedError('device-lost', 'The WebGPU device was lost (destroyed).', 'destroyed'))).toEqual({
      code: 'device-lost',
      message: 'The WebGPU device was lost (destroyed).',
      details: 'destroyed',
    });
    expect(describeFailure(Object.assign(new Error('training cancelled'), { name: 'AbortError' })).code).toBe('cancelled');
  });
});
