import { expect } from 'vitest';
import { HubError } from '../../../src/core/hub/hubErrors.ts';

/** The HubError `p` fails with; fails the test on any other outcome. */
export async function hubFailure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    return e as HubError;
  }
  throw new Error('expected a HubError, but it succeeded');
}
