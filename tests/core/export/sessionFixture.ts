/**
 * A small session to export, built with the app's own KNOR search: names and labels that a
 * spreadsheet would run as formulas or that break naive CSV/TSV (commas, quotes, tabs, line
 * breaks, emoji), an unlabelled image, a zero vector (cosine distance 1), a duplicate vector (a
 * tie), an image the reconstruction did not cover (NaN), and a token-mixing reconstructor with
 * random weights in the app's shapes.
 */
import type { ExportedReconstructor } from '../../../src/core/export/reconstructorExport.ts';
import type { ExportImage, SessionExport } from '../../../src/core/export/sessionExport.ts';
import { knorFromEmbeddings } from '../../../src/core/knn/knor.ts';
import { seededRandom } from '../../../src/core/random.ts';
import type { Metric } from '../../../src/core/types.ts';

export const INJECTION = '=HYPERLINK("http://evil.example","click me")';

export const FIXTURE_IMAGES: readonly Omit<ExportImage, 'split'>[] = [
  { name: 'cat1.jpg', label: 'cat', contentHash: 'a'.repeat(64) },
  { name: 'cat2.jpg', label: 'cat', contentHash: 'b'.repeat(64) },
  { name: INJECTION, label: 'dog', contentHash: 'c'.repeat(64) },
  { name: 'a,b "quoted".png', label: '-1', contentHash: null },
  { name: 'tab\there\nand newline.png', label: '@cat', contentHash: 'd'.repeat(64) },
  { name: 'dog.png', label: 'dog', contentHash: 'e'.repeat(64) },
  { name: 'unlabelled.png', label: null, contentHash: 'f'.repeat(64) },
  { name: 'ünïcødé 😀.png', label: 'cat', contentHash: '0'.repeat(64) },
  { name: '+plus.png', label: 'dog', contentHash: '1'.repeat(64) },
  { name: 'duplicate.png', label: '-1', contentHash: '2'.repeat(64) },
];
export const SPLITS: readonly ExportImage['split'][] = ['train', 'train', 'train', 'train', 'train', 'train', 'validation', 'validation', null, 'train'];
/** The image the reconstruction did not cover (added after training). */
export const NOT_MEASURED = 8;
export const GRID: readonly [number, number] = [2, 3];
export const SHAPE = { tokensPre: 6, tokensPost: 3, dPre: 6, dPost: 4, hidden: 5 } as const;

function randoms(count: number, random: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => (2 * random() - 1) * scale);
}

/** Random weights under the app's names and [in, out] shapes (ml/reconstructorModel.ts). */
export function randomReconstructor(seed: number): ExportedReconstructor {
  const r = seededRandom(seed);
  const { tokensPre: T, tokensPost: Tp, dPre, dPost, hidden: h } = SHAPE;
  const w = (name: string, shape: readonly number[]) => ({
    name,
    shape,
    values: randoms(
      shape.reduce((a, b) => a * b, 1),
      r,
    ),
  });
  return {
    kind: 'token-mixing-mlp',
    ...SHAPE,
    weights: [
      w('w1', [dPost, dPost]),
      w('b1', [dPost]),
      w('ln1_gain', [dPost]),
      w('ln1_bias', [dPost]),
      w('w2', [dPost, h]),
      w('b2', [h]),
      w('ln2_gain', [h]),
      w('ln2_bias', [h]),
      w('w3', [h, dPre]),
      w('b3', [dPre]),
      w('token_mix', [Tp, T]),
      w('token_position', [T, dPost]),
    ],
    standardizers: {
      pre: { mean: randoms(dPre, r), std: Float32Array.from(randoms(dPre, r), (x) => 1 + Math.abs(x)) },
      post: { mean: randoms(dPost, r), std: Float32Array.from(randoms(dPost, r), (x) => 1 + Math.abs(x)) },
    },
    tokenSource: Int32Array.from([0, 0, 1, 1, 2, -1]),
  };
}

export interface FixtureOptions {
  readonly metric?: Metric;
  readonly includeSelf?: boolean;
  readonly k?: number;
  /** 'none': no reconstruction; 'losses': losses without the model; 'model': losses and the reconstructor. */
  readonly reconstruction?: 'none' | 'losses' | 'model';
}

export function sessionFixture(options: FixtureOptions = {}): SessionExport {
  const { metric = 'cosine', includeSelf = false, k = 3, reconstruction = 'model' } = options;
  const n = FIXTURE_IMAGES.length;
  const dPre = 6;
  const dPost = 4;
  const random = seededRandom(11);
  const pre = randoms(n * dPre, random, 3);
  const post = randoms(n * dPost, random, 3);
  post.fill(0, 6 * dPost, 7 * dPost); // a zero vector: cosine distance 1 to everything
  pre.copyWithin(9 * dPre, 1 * dPre, 2 * dPre); // duplicate of image 1: a tie
  const knor = knorFromEmbeddings(pre, post, n, dPre, dPost, k, metric, includeSelf);
  const T = GRID[0] * GRID[1];
  const perPatch = Float32Array.from(randoms(n * T, random), Math.abs);
  perPatch.fill(Number.NaN, NOT_MEASURED * T, (NOT_MEASURED + 1) * T);
  const perImage = Float32Array.from({ length: n }, (_, i) => perPatch.subarray(i * T, (i + 1) * T).reduce((a, b) => a + b, 0) / T);
  const withLosses = reconstruction !== 'none';
  return {
    appVersion: '9.8.7-test',
    exportedAt: '2026-12-04T10:11:12.000Z',
    pack: { name: 'test pack, "v2"', key: 'f00d'.repeat(16) },
    images: FIXTURE_IMAGES.map((image, i) => ({ ...image, split: withLosses ? SPLITS[i]! : null })),
    knor: { k, metric, includeSelf, nnPre: knor.nnPre, nnPost: knor.nnPost, perImage: knor.perImage },
    pooled: { pre, dPre, post, dPost },
    reconstruction: withLosses
      ? {
          perPatch,
          perImage,
          grid: GRID,
          description: 'token-mixing-mlp (hidden 5, 200 parameters)',
          reconstructor: reconstruction === 'model' ? randomReconstructor(5) : null,
        }
      : null,
  };
}
