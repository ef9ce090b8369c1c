/**
 * A session's export as files, and those files as one zip for a paper's supplementary material.
 * sessionFiles writes every table and array of this folder from one SessionExport; the caller
 * may add files of its own (heatmap PNGs, SVG figures) to the record before zipSession packs it.
 * Already-compressed formats are stored as they are; text and arrays are deflated.
 */
import { regionsCsv } from './regionsCsv.ts';
import { zipSync, type Zippable } from 'fflate';
import { float32Number } from './float32Text.ts';
import { imagesCsv } from './imagesCsv.ts';
import { neighboursCsv } from './neighboursCsv.ts';
import { patchLossJson, patchLossNpy } from './patchLossFiles.ts';
import { metadataTsv, vectorsTsv } from './projectorTsv.ts';
import { reconstructorJson, reconstructorSafetensors } from './reconstructorExport.ts';
import { checkSessionExport, type SessionExport } from './sessionExport.ts';
import { sessionReportJson } from './sessionReport.ts';

export type { ExportImage, ExportKnor, ExportPooled, ExportReconstruction, ImageSplit, SessionExport } from './sessionExport.ts';
export type { ExportedReconstructor, ExportedStandardizer, ExportedWeight } from './reconstructorExport.ts';

export const SESSION_FILES = {
  images: 'images.csv',
  neighbours: 'neighbours.csv',
  vectorsPre: 'vectors_pre.tsv',
  vectorsPost: 'vectors_post.tsv',
  metadata: 'metadata.tsv',
  report: 'report.json',
  patchLoss: 'patch_loss.npy',
  patchLossIndex: 'patch_loss.json',
  reconstructor: 'reconstructor.safetensors',
  reconstructorConfig: 'reconstructor.json',
  regions: 'regions.csv',
} as const;

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Every file of the export, by name. patch_loss.* only with a reconstruction, reconstructor.*
 * only when the session holds the reconstructor's weights. Throws a RangeError naming the field
 * when the input's shapes disagree.
 */
export function sessionFiles(s: SessionExport): Record<string, Uint8Array> {
  checkSessionExport(s);
  const n = s.images.length;
  const { pre, dPre, post, dPost } = s.pooled;
  const files: Record<string, Uint8Array> = {
    [SESSION_FILES.images]: utf8(imagesCsv(s)),
    [SESSION_FILES.neighbours]: utf8(neighboursCsv(s)),
    [SESSION_FILES.vectorsPre]: utf8(vectorsTsv(pre, n, dPre)),
    [SESSION_FILES.vectorsPost]: utf8(vectorsTsv(post, n, dPost)),
    [SESSION_FILES.metadata]: utf8(
      metadataTsv(
        ['name', 'label', 'knor'],
        s.images.map((image, i) => [image.name, image.label, float32Number(s.knor.perImage[i]!)]),
      ),
    ),
    [SESSION_FILES.report]: utf8(sessionReportJson(s)),
  };
  const regions = regionsCsv(s);
  if (regions !== null) files[SESSION_FILES.regions] = utf8(regions);
  const r = s.reconstruction;
  if (r) {
    files[SESSION_FILES.patchLoss] = patchLossNpy(s.images, r);
    files[SESSION_FILES.patchLossIndex] = utf8(patchLossJson(s.images, r));
    if (r.reconstructor) {
      files[SESSION_FILES.reconstructor] = reconstructorSafetensors(r.reconstructor);
      files[SESSION_FILES.reconstructorConfig] = utf8(reconstructorJson(r.reconstructor));
    }
  }
  return files;
}

/** Formats that are compressed already: deflating them again costs time and saves nothing. */
const STORED = /\.(?:png|jpe?g|webp|gif|zip|gz)$/i;

/**
 * The files as one zip (paths may contain '/' for folders). `modified` is every entry's time
 * (fflate's default is now; pass one for a reproducible archive).
 */
export function zipSession(files: Readonly<Record<string, Uint8Array>>, modified?: Date): Uint8Array {
  const entries: Zippable = {};
  for (const [path, bytes] of Object.entries(files)) {
    const level = STORED.test(path) ? 0 : 6;
    entries[path] = [bytes, modified ? { level, mtime: modified } : { level }];
  }
  return zipSync(entries);
}
