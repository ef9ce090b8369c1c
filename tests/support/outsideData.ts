/** Shared by the tests of parsers of outside data: refusals and damaged copies of valid input. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { UserFacingError } from '../../src/core/errors.ts';

/** The UserFacingError message a call throws (fails the test on any other outcome). */
export function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserFacingError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

/** A valid file damaged the ways transfers and editors damage files: cut, bytes set, inserted, deleted. */
export function damagedCopies(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 }));
  return fc.tuple(fc.integer({ min: 0, max: base.length }), fc.array(edit, { maxLength: 8 })).map(([cut, edits]) => {
    // Typed-array copies, not a JS array of numbers: spreading a 70 kB model costs ~35 ms a copy.
    let b = new Uint8Array(base.subarray(0, cut));
    for (const [kind, at, value] of edits) {
      const i = at % (b.length + 1);
      if (kind === 'set' && i < b.length) b[i] = value;
      else if (kind === 'insert') {
        const next = new Uint8Array(b.length + 1);
        next.set(b.subarray(0, i));
        next[i] = value;
        next.set(b.subarray(i), i + 1);
        b = next;
      } else {
        // Delete 1 to 4 bytes (fewer at the end), as Array.prototype.splice would.
        const count = Math.min(1 + (value % 4), b.length - i);
        const next = new Uint8Array(b.length - count);
        next.set(b.subarray(0, i));
        next.set(b.subarray(i + count), i);
        b = next;
      }
    }
    return b;
  });
}
