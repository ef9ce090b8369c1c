/**
 * The random-projection baseline for KNOR: what a random linear map of the connector's shape
 * (d_pre → d_post) keeps of each image's neighbours. A measured KNOR means little alone: 0.5 is
 * poor if any linear map of that shape keeps 0.9, and good if a random one keeps 0.2. By the
 * Johnson–Lindenstrauss lemma a Gaussian map into d_post dimensions preserves distances up to
 * about 1/√d_post, so the baseline is high when d_post is large; a connector below it reorders
 * neighbours more than chance geometry does.
 *
 * The map acts on the pooled vectors. For the pooling the app uses (the mean over tokens), a
 * linear map applied to every token and then pooled gives exactly the map of the pooled vector,
 * so this is what a random linear connector would produce. Entries are independent standard
 * normals (their scale changes no neighbour order); several draws, each from its own seed, show
 * how much the baseline itself varies.
 *
 * Plain loops rather than a BLAS: the product is n · d_pre · d_post multiply-adds, a few hundred
 * million at the bundled set's size; above MAX_BASELINE_WORK the caller reports the baseline as
 * not computed rather than block the analysis worker for minutes.
 */
import { fillGaussian, seededRandom } from '../random.ts';

export const BASELINE_DRAWS = 3;
/** Multiply-adds above which the baseline is not computed (about 5 s of plain loops here). */
export const MAX_BASELINE_WORK = 3e9;

/** [dIn, dOut] row-major, entries standard normal from `seed`. */
export function gaussianMatrix(dIn: number, dOut: number, seed: number): Float32Array {
  return fillGaussian(new Float32Array(dIn * dOut), seededRandom(seed));
}

/** x [n, dIn] times g [dIn, dOut], accumulated in float64 per output. */
export function projectRows(x: Float32Array, n: number, dIn: number, g: Float32Array, dOut: number): Float32Array {
  if (x.length !== n * dIn || g.length !== dIn * dOut) throw new Error(`projectRows: shapes [${n}, ${dIn}] x [${dIn}, ${dOut}] do not match the arrays`);
  const out = new Float32Array(n * dOut);
  const row = new Float64Array(dOut);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let j = 0; j < dIn; j++) {
      const v = x[i * dIn + j]!;
      if (v === 0) continue;
      const base = j * dOut;
      for (let c = 0; c < dOut; c++) row[c]! += v * g[base + c]!;
    }
    for (let c = 0; c < dOut; c++) out[i * dOut + c] = row[c]!;
  }
  return out;
}

/** The seed of draw `draw`: fixed, so the baseline of a set is the same on every visit. */
export function baselineSeed(draw: number): number {
  return 1_000 + draw;
}
