/**
 * The last step of an unsharded analyze and of a merge: KNOR over every embedded image, in index
 * order, then the analysis files, and the numbers said in one line each.
 */
import type { PooledSet } from '../src/core/knn/neighbourTables.ts';
import type { KnorSettings } from './args.ts';
import { computeNeighbours, neighboursBlocked } from './neighbours.ts';
import type { Reporter } from './reporter.ts';
import { writeAnalysis, type AnalysedImage, type TrainedForExport } from './sessionOutput.ts';

/** Rows of [dim] vectors stacked into one [n, dim] matrix. */
export function stackRows(rows: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(row, i * dim));
  return out;
}

export function settingsText(s: KnorSettings): string {
  return `k = ${s.k}, ${s.metric === 'cosine' ? 'cosine distance' : 'squared L2'}, self ${s.includeSelf ? 'included (paper-compatible)' : 'excluded'}`;
}

/** Returns false when KNOR could not be computed (too few images for k; the message says so). */
export async function finishAnalysis(
  out: string,
  input: {
    readonly appVersion: string;
    readonly pack: { readonly name: string; readonly modelKey: string };
    readonly settings: KnorSettings;
    readonly images: readonly AnalysedImage[];
    readonly pooled: PooledSet;
    /** From analyze --train: the reconstruction and each image's split, in `images` order. */
    readonly trained?: TrainedForExport | null;
  },
  reporter: Reporter,
): Promise<boolean> {
  const blocked = neighboursBlocked(input.images.length, input.settings);
  if (blocked) {
    reporter.say('error', `${blocked} The blocks are written; run again with a lower --k (or --include-self) to get KNOR.`);
    return false;
  }
  const result = await computeNeighbours(
    input.pooled,
    input.settings,
    input.images.map((i) => i.label),
  );
  const files = writeAnalysis(out, { ...input, trained: input.trained ?? null, result });
  reporter.out(`KNOR: ${result.mean.toFixed(3)} mean over ${input.images.length} images (${settingsText(input.settings)}).`);
  if (result.precision) {
    const p = result.precision;
    reporter.out(
      `precision@${input.settings.k} by label: ${p.pre.toFixed(3)} before -> ${p.post.toFixed(3)} after the connector (${p.labelled} labelled images, ${p.classes} classes).`,
    );
  }
  reporter.out(`Wrote ${files.join(', ')} to ${out}.`);
  return true;
}
