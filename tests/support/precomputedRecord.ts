import type { PrecomputedReconstruction } from '../../src/core/imageset/precomputed.ts';

/** Deterministic values of both signs, distinct per seed. */
export const wave = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 10);

/**
 * A shipped reconstruction record for `files` (core/imageset/precomputed.ts), its losses and
 * weights from `wave`; the first file held out. `dPre` and `dPost` size the standardisers.
 */
export function precomputedRecord(options: {
  readonly packId: string;
  readonly files: readonly string[];
  readonly fingerprints: Float32Array;
  readonly tokens: number;
  readonly dPre: number;
  readonly dPost: number;
}): PrecomputedReconstruction {
  const { packId, files, fingerprints, tokens, dPre, dPost } = options;
  const n = files.length;
  const std = (dim: number, s: number) => ({ dim, mean: wave(dim, s), std: wave(dim, s + 1).map(Math.abs), constantDims: 0 });
  return {
    packId,
    files: [...files],
    fingerprints,
    tokens,
    perPatch: wave(n * tokens, 2),
    perImage: wave(n, 3),
    validationFiles: [files[0]!],
    trainLoss: [1, 0.5],
    valLoss: [1.1, 0.6],
    bestEpoch: 2,
    stoppedEarly: false,
    constantDims: 0,
    backend: 'cpu',
    architecture: { kind: 'token-wise-mlp', hidden: 8, params: 100 },
    epochs: 2,
    seed: 7,
    weights: [{ name: 'w0', shape: [2, 3], values: wave(6, 4) }],
    standardizers: { pre: std(dPre, 5), post: std(dPost, 6) },
  };
}
