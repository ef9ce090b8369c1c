import { seededRandom } from '../../src/core/random.ts';

/** `n` seeded values, uniform in [-1, 1): synthetic token matrices for the reconstructor's tests. */
export function uniformArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}
