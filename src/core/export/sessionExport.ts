/**
 * What a session export is made from: plain data the store already holds (image names, labels
 * and hashes, the KNOR lists, the pooled vectors, the reconstruction and its model), checked
 * once at the boundary so each writer can index without re-checking. Every file of the export
 * (sessionBundle.ts) is a pure function of one SessionExport.
 */
import { checkNeighbourLists } from '../knn/knor.ts';
import type { PooledRegionStats, RegionBox, RegionStats } from '../patches/regionAnalysis.ts';
import type { Metric } from '../types.ts';
import type { Provenance } from './provenance.ts';
import { checkReconstructor, type ExportedReconstructor } from './reconstructorExport.ts';

/** Which side of the reconstructor's image-level split an image was on; 'added': scored by it after training, never seen by it. */
export type ImageSplit = 'train' | 'validation' | 'added';

export interface ExportImage {
  readonly name: string;
  /** null: unlabelled (no precision for it; as a neighbour it is a miss). */
  readonly label: string | null;
  /** The image file's content hash (64 hex digits), null when it was not hashed. */
  readonly contentHash: string | null;
  /** null without a reconstruction, or for an image the reconstructor was not trained or validated on (a shipped one). */
  readonly split: ImageSplit | null;
}

export interface ExportKnor {
  readonly k: number;
  readonly metric: Metric;
  /** Paper-compatible: each image is a candidate neighbour of itself. */
  readonly includeSelf: boolean;
  /** [n, k] neighbours before and after the connector, nearest first (kNearest's lists). */
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
  /** [n] KNOR per image. */
  readonly perImage: Float32Array;
}

/** Mean-pooled tokens (docs/method.md, KNOR step 1), row i = image i. */
export interface ExportPooled {
  /** [n, dPre]. */
  readonly pre: Float32Array;
  readonly dPre: number;
  /** [n, dPost]. */
  readonly post: Float32Array;
  readonly dPost: number;
}

export interface ExportReconstruction {
  /** [n, T] patch loss in standardised units, T = grid rows x cols, row-major on the grid; NaN rows: not measured (added after training). */
  readonly perPatch: Float32Array;
  /** [n] image loss: the mean of each row of perPatch; NaN where not measured. */
  readonly perImage: Float32Array;
  /** The encoder's patch grid [rows, cols]. */
  readonly grid: readonly [number, number];
  /** Which reconstructor made the losses, in words (reconstructorLabel); docs/method.md: a figure should say. */
  readonly description: string;
  /** The model itself, when the session holds its weights. */
  readonly reconstructor: ExportedReconstructor | null;
}

/** Regions on images and the loss inside them (core/patches/regionAnalysis.ts), for the images that have one. */
export interface ExportRegions {
  readonly images: readonly {
    /** Index into `images`. */
    readonly index: number;
    /** In fractions of the encoder's crop. */
    readonly boxes: readonly RegionBox[];
    /** null: the region covers no patch centre, or all of them. */
    readonly stats: RegionStats | null;
  }[];
  readonly pooled: PooledRegionStats | null;
}

export interface SessionExport {
  readonly appVersion: string;
  /** ISO 8601, written into every file's provenance. */
  readonly exportedAt: string;
  /** The pack's name and content key (the key the app caches it under). */
  readonly pack: { readonly name: string; readonly key: string };
  readonly images: readonly ExportImage[];
  readonly knor: ExportKnor;
  readonly pooled: ExportPooled;
  readonly reconstruction: ExportReconstruction | null;
  /** Absent or null: no regions drawn or imported. */
  readonly regions?: ExportRegions | null;
}

export function provenanceOf(s: SessionExport): Provenance {
  const { k, metric, includeSelf } = s.knor;
  return { pack: s.pack, k, metric, includeSelf, appVersion: s.appVersion, exportedAt: s.exportedAt };
}

function checkLength(name: string, actual: number, expected: number, shape: string): void {
  if (actual !== expected) throw new RangeError(`invalid ${name}: expected ${expected} values (${shape}), got ${actual}`);
}

/** Throws a RangeError naming the first field whose shape or value does not fit the rest. */
export function checkSessionExport(s: SessionExport): void {
  const n = s.images.length;
  if (n < 1) throw new RangeError('invalid images: none (an export needs at least one image)');
  const { k, nnPre, nnPost, perImage } = s.knor;
  if (s.knor.metric !== 'cosine' && s.knor.metric !== 'l2') throw new RangeError(`invalid knor.metric: ${String(s.knor.metric)} (expected 'cosine' or 'l2')`);
  checkNeighbourLists(nnPre, n, k, 'knor.nnPre');
  checkNeighbourLists(nnPost, n, k, 'knor.nnPost');
  checkLength('knor.perImage', perImage.length, n, `[${n}]`);
  const { pre, dPre, post, dPost } = s.pooled;
  for (const [name, d] of [
    ['pooled.dPre', dPre],
    ['pooled.dPost', dPost],
  ] as const) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`invalid ${name}: ${d} (expected a positive integer)`);
  }
  checkLength('pooled.pre', pre.length, n * dPre, `[${n}, ${dPre}]`);
  checkLength('pooled.post', post.length, n * dPost, `[${n}, ${dPost}]`);
  const r = s.reconstruction;
  if (!r) {
    const i = s.images.findIndex((image) => image.split !== null);
    if (i >= 0) throw new RangeError(`invalid images[${i}].split: '${s.images[i]!.split}' with no reconstruction (expected null)`);
    return;
  }
  const [rows, cols] = r.grid;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1)
    throw new RangeError(`invalid reconstruction.grid: [${rows}, ${cols}] (expected two positive integers)`);
  const tokens = rows * cols;
  checkLength('reconstruction.perPatch', r.perPatch.length, n * tokens, `[${n}, ${tokens}] for a ${rows} x ${cols} grid`);
  checkLength('reconstruction.perImage', r.perImage.length, n, `[${n}]`);
  if (r.reconstructor) {
    checkReconstructor(r.reconstructor);
    if (r.reconstructor.tokensPre !== tokens)
      throw new RangeError(`invalid reconstruction.reconstructor.tokensPre: ${r.reconstructor.tokensPre} (expected ${tokens}, the ${rows} x ${cols} grid)`);
  }
}
