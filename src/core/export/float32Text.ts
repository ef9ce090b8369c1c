/**
 * Float32 values as the shortest decimal that reads back as the same float32, so an exported
 * KNOR of 0.6 is written "0.6", not "0.6000000238418579" (the float64 widening of float32 0.6).
 * Parsing the text as float64 (Python's float, JSON.parse) and rounding to float32 (numpy's
 * astype, torch's float32) gives the original value bit for bit: that is the test each length
 * passes, and exports that must round-trip (vectors, standardisers) rely on it.
 */

/** The shortest decimal text of fround(x) that reads back (via float64) as the same float32; NaN and ±Infinity as JS writes them. */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return String(f);
  if (f === 0) return '0';
  // A longer correctly rounded decimal is never farther from f than a shorter one, so the
  // lengths that round-trip form a tail of 1..9 (9 always does): binary search for its start.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return String(Number(f.toPrecision(lo)));
}

/** The float64 number whose shortest text is float32Text(x): for writers that take numbers (JSON, CSV cells). */
export function float32Number(x: number): number {
  return Number(float32Text(x));
}
