import { fillGaussian, seededRandom } from '../../src/core/random.ts';
import type { TopKSae } from '../../src/core/sae/topkSae.ts';

/** A TopK SAE with seeded Gaussian weights, small biases and a seed-dependent input scale (for export and import tests). */
export function randomSae(d: number, m: number, k: number, seed: number): TopKSae {
  const random = seededRandom(seed);
  return {
    d,
    latents: m,
    k,
    scale: 0.37 + seed / 100,
    wEnc: fillGaussian(new Float32Array(d * m), random),
    bEnc: fillGaussian(new Float32Array(m), random).map((v) => v * 0.1),
    wDec: fillGaussian(new Float32Array(m * d), random),
    bDec: fillGaussian(new Float32Array(d), random).map((v) => v * 0.1),
  };
}
