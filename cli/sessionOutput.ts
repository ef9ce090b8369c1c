/**
 * The analysis files of an output folder: the app's session export (core/export/sessionBundle.ts:
 * images.csv, neighbours.csv, vectors_pre.tsv, vectors_post.tsv, metadata.tsv, report.json),
 * written from the same SessionExport the app's export button builds, plus knor.json, the KNOR
 * result in the shape the app's analysis worker returns it (neighbour rows as indices into ids).
 * With analyze --train, the export also carries the reconstruction: patch_loss.* and reconstructor.*.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32Number } from '../src/core/export/float32Text.ts';
import { sessionFiles, type SessionExport } from '../src/core/export/sessionBundle.ts';
import type { ExportReconstruction } from '../src/core/export/sessionExport.ts';
import type { PooledSet } from '../src/core/knn/neighbourTables.ts';
import type { KnorSettings } from './args.ts';
import type { NeighbourResult } from './neighbours.ts';
import { writeJson } from './storeRecord.ts';

export const KNOR_FILE = 'knor.json';

export interface AnalysedImage {
  /** Block id. */
  readonly id: string;
  readonly file: string;
  readonly contentHash: string;
  readonly label: string | null;
}

/** A reconstruction trained on the analysed images (analyze --train), and each image's split, in image order. */
export interface TrainedForExport {
  readonly reconstruction: ExportReconstruction;
  readonly split: readonly ('train' | 'validation')[];
}

export interface AnalysisOutput {
  readonly appVersion: string;
  readonly pack: { readonly name: string; readonly modelKey: string };
  readonly settings: KnorSettings;
  readonly images: readonly AnalysedImage[];
  readonly pooled: PooledSet;
  readonly result: NeighbourResult;
  readonly trained: TrainedForExport | null;
}

/** The JSON of knor.json. */
export function knorJson(o: AnalysisOutput): unknown {
  const { k, metric, includeSelf } = o.settings;
  const rows = (lists: Int32Array) => o.images.map((_, i) => Array.from(lists.subarray(i * k, (i + 1) * k)));
  const { precision } = o.result;
  return {
    pack: o.pack,
    ids: o.images.map((image) => image.id),
    files: o.images.map((image) => image.file),
    k,
    metric,
    includeSelf,
    nnPre: rows(o.result.nnPre),
    nnPost: rows(o.result.nnPost),
    perImage: Array.from(o.result.perImage, float32Number),
    mean: o.result.mean,
    precision: precision && { before: precision.pre, after: precision.post, labelledImages: precision.labelled, classes: precision.classes },
  };
}

export function sessionExportOf(o: AnalysisOutput, exportedAt: Date): SessionExport {
  return {
    appVersion: o.appVersion,
    exportedAt: exportedAt.toISOString(),
    pack: { name: o.pack.name, key: o.pack.modelKey },
    images: o.images.map((image, i) => ({ name: image.file, label: image.label, contentHash: image.contentHash, split: o.trained?.split[i] ?? null })),
    knor: {
      k: o.settings.k,
      metric: o.settings.metric,
      includeSelf: o.settings.includeSelf,
      nnPre: o.result.nnPre,
      nnPost: o.result.nnPost,
      perImage: o.result.perImage,
    },
    pooled: { pre: o.pooled.pre, dPre: o.pooled.dPre, post: o.pooled.post, dPost: o.pooled.dPost },
    reconstruction: o.trained?.reconstruction ?? null,
  };
}

/** Writes knor.json and the session export into `dir`; returns the file names written. */
export function writeAnalysis(dir: string, o: AnalysisOutput, exportedAt = new Date()): string[] {
  writeJson(dir, KNOR_FILE, knorJson(o));
  const files = sessionFiles(sessionExportOf(o, exportedAt));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return [KNOR_FILE, ...Object.keys(files)];
}
