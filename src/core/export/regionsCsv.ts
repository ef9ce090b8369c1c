/**
 * regions.csv: one row per image with a region (core/patches/regionAnalysis.ts): its boxes (in
 * fractions of the crop the encoder saw, "x y width height" per box, boxes separated by ";"), the
 * patches inside, mean patch loss inside and outside, how many of the top-10% loss patches lie
 * inside, and the one-sided permutation p-value (exact or from random arrangements). The pooled
 * result is a comment line at the top, after the provenance; report.json carries the same numbers.
 */
import { PERMUTATIONS } from '../patches/regionAnalysis.ts';
import { csvDocument, type CsvCell } from './csv.ts';
import { provenanceLines } from './provenance.ts';
import { provenanceOf, type SessionExport } from './sessionExport.ts';

export const REGIONS_CSV_HEADER = [
  'name',
  'boxes',
  'patches_inside',
  'patches',
  'mean_loss_inside',
  'mean_loss_outside',
  'difference',
  'top_inside',
  'top_count',
  'p_value',
  'p_exact',
] as const;

export function boxesText(boxes: readonly { x: number; y: number; width: number; height: number }[]): string {
  return boxes.map((b) => [b.x, b.y, b.width, b.height].map((v) => Number(v.toFixed(6))).join(' ')).join('; ');
}

/** null when the session has no regions. */
export function regionsCsv(s: SessionExport): string | null {
  const regions = s.regions;
  if (!regions || regions.images.length === 0) return null;
  const rows = regions.images.map(({ index, boxes, stats }): CsvCell[] => [
    s.images[index]!.name,
    boxesText(boxes),
    stats?.inside ?? null,
    stats?.patches ?? null,
    stats?.meanInside ?? null,
    stats?.meanOutside ?? null,
    stats?.difference ?? null,
    stats?.topInside ?? null,
    stats?.topCount ?? null,
    stats?.pValue ?? null,
    stats ? (stats.exact ? 1 : 0) : null,
  ]);
  const p = regions.pooled;
  const comments = [
    ...provenanceLines(provenanceOf(s)),
    `columns: boxes in fractions of the encoder's crop (x y width height; boxes separated by ';'); losses in standardised units; top = the ceil(T/10) highest-loss patches; p one-sided (inside higher), exact over every arrangement when p_exact is 1, else from ${PERMUTATIONS} random ones; empty: the region covers no patch centre or all of them`,
    p
      ? `pooled over ${p.images} images: mean difference ${p.meanDifference}; top-10% share inside ${p.topShare} (chance ${p.insideShare}); stratified permutation p ${p.pValue}`
      : 'pooled: no image has a region that splits its patches',
  ];
  return csvDocument(REGIONS_CSV_HEADER, rows, comments);
}
