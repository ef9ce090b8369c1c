/**
 * report.json: the whole session as numbers in one machine-readable file: per image its name,
 * hash, label, split, KNOR, label hits, neighbours (indices into `images`, 0-based) and their
 * distances before and after the connector, and its loss; a summary (mean KNOR, precision@k
 * before and after, mean loss); the settings, the app version and the pack. Values not measured
 * (NaN in the input: an image added after the reconstructor was trained) are null, as JSON has no
 * NaN, and are left out of the means.
 */
import type { PooledRegionStats, RegionBox, RegionStats } from '../patches/regionAnalysis.ts';
import { float32Number } from './float32Text.ts';
import { labelHits, NO_HITS } from './labelHits.ts';
import { neighbourDistances } from './neighboursCsv.ts';
import { metricDescription, selfModeDescription } from './provenance.ts';
import type { ExportImage, ImageSplit, SessionExport } from './sessionExport.ts';

export const REPORT_FORMAT = 'connector-lens/session-report';

export interface ReportImage {
  readonly index: number;
  readonly name: string;
  readonly contentHash: string | null;
  readonly label: string | null;
  readonly split: ImageSplit | null;
  readonly knor: number;
  /** How many of the k neighbours share the label; null for an unlabelled image. */
  readonly precisionHits: { readonly before: number; readonly after: number } | null;
  readonly neighbours: { readonly before: number[]; readonly after: number[] };
  readonly distances: { readonly before: (number | null)[]; readonly after: (number | null)[] };
  readonly imageLoss: number | null;
}

export interface SessionReport {
  readonly format: typeof REPORT_FORMAT;
  readonly formatVersion: 1;
  readonly appVersion: string;
  readonly exportedAt: string;
  /** The pack's name and content key (the key the app caches it under). */
  readonly pack: { readonly name: string; readonly key: string };
  readonly settings: {
    readonly k: number;
    readonly metric: string;
    readonly metricDescription: string;
    readonly includeSelf: boolean;
    readonly selfMode: string;
  };
  readonly summary: {
    readonly images: number;
    readonly labelled: number;
    readonly meanKnor: number;
    readonly precisionAtK: { readonly before: number | null; readonly after: number | null };
    /** Mean image loss over the measured images, and over the validation images alone (the fair one); null without them. */
    readonly meanLoss: number | null;
    readonly meanLossValidation: number | null;
    readonly reconstructor: string | null;
    readonly patchGrid: readonly [number, number] | null;
  };
  readonly images: ReportImage[];
  /** Regions and the loss inside them (regions.csv has the same numbers); null without regions. */
  readonly regions: {
    readonly pooled: PooledRegionStats | null;
    readonly images: { readonly index: number; readonly boxes: readonly RegionBox[]; readonly stats: RegionStats | null }[];
  } | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Mean in float64 of values[i] over the images `keep` accepts, NaN ("not measured") left out; NaN when none is left. */
function meanOver(values: Float32Array, images: readonly ExportImage[], keep: (image: ExportImage) => boolean): number {
  let sum = 0;
  let count = 0;
  images.forEach((image, i) => {
    const value = values[i]!;
    if (!keep(image) || Number.isNaN(value)) return;
    sum += value;
    count++;
  });
  return count > 0 ? sum / count : Number.NaN;
}

/**
 * The collection's KNOR as knn/knor.ts computes it: the float64 mean of shared / k. perImage holds
 * those fractions rounded to float32; times k they round back to the integer counts.
 */
function exactMeanKnor(perImage: Float32Array, k: number): number {
  let total = 0;
  for (const share of perImage) total += Math.round(share * k) / k;
  return total / perImage.length;
}

export function sessionReport(s: SessionExport): SessionReport {
  const { k, metric, includeSelf, nnPre, nnPost, perImage: knor } = s.knor;
  const hits = labelHits(
    s.images.map((image) => image.label),
    nnPre,
    nnPost,
    k,
  );
  const distances = neighbourDistances(s);
  const r = s.reconstruction;
  const row = (values: ArrayLike<number>, i: number): number[] => Array.from({ length: k }, (_, a) => values[i * k + a]!);
  const images = s.images.map((image, i): ReportImage => ({
    index: i,
    name: image.name,
    contentHash: image.contentHash,
    label: image.label,
    split: image.split,
    knor: float32Number(knor[i]!),
    precisionHits: hits.before[i] === NO_HITS ? null : { before: hits.before[i]!, after: hits.after[i]! },
    neighbours: { before: row(nnPre, i), after: row(nnPost, i) },
    distances: { before: row(distances.before, i).map(finiteOrNull), after: row(distances.after, i).map(finiteOrNull) },
    imageLoss: r ? finiteOrNull(float32Number(r.perImage[i]!)) : null,
  }));
  return {
    format: REPORT_FORMAT,
    formatVersion: 1,
    appVersion: s.appVersion,
    exportedAt: s.exportedAt,
    pack: { name: s.pack.name, key: s.pack.key },
    settings: { k, metric, metricDescription: metricDescription(metric), includeSelf, selfMode: selfModeDescription(includeSelf) },
    summary: {
      images: s.images.length,
      labelled: hits.labelled,
      meanKnor: exactMeanKnor(knor, k),
      precisionAtK: { before: finiteOrNull(hits.precisionBefore), after: finiteOrNull(hits.precisionAfter) },
      meanLoss: r ? finiteOrNull(meanOver(r.perImage, s.images, () => true)) : null,
      meanLossValidation: r ? finiteOrNull(meanOver(r.perImage, s.images, (image) => image.split === 'validation')) : null,
      reconstructor: r ? r.description : null,
      patchGrid: r ? r.grid : null,
    },
    images,
    regions: s.regions && s.regions.images.length > 0 ? { pooled: s.regions.pooled, images: s.regions.images.map((e) => ({ ...e })) } : null,
  };
}

export function sessionReportJson(s: SessionExport): string {
  return `${JSON.stringify(sessionReport(s), null, 2)}\n`;
}
