/**
 * The app keeps token matrices as float16 (src/core/tokens/tokenStore.ts): a token read back from
 * the page differs from the float32 the model computed by up to half a float16 step, 2^-11 of its
 * size (2^-25 below float16's normal range). This measures how far a stored token is from a
 * float32 reference beyond that rounding, so a check can still ask for float32 agreement.
 */
const HALF_ROUNDING = 2 ** -11;
const HALF_SUBNORMAL_STEP = 2 ** -25;

/** Largest |got - want| left after float16 rounding is allowed for; Infinity when the lengths differ or `got` is missing. */
export function beyondHalfRounding(got: ArrayLike<number> | undefined, want: ArrayLike<number>): number {
  if (!got || got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - HALF_ROUNDING * Math.abs(want[i]!) - HALF_SUBNORMAL_STEP;
    if (!(excess <= worst)) worst = Number.isNaN(excess) ? Infinity : excess;
  }
  return Math.max(0, worst);
}
