/**
 * images.csv: one row per image with what the app measured for it: KNOR at the chosen k, how many
 * of its k neighbours share its label before and after the connector, and its reconstruction
 * loss. Empty cells mean "not measured": no label, no reconstruction, not in the training split.
 * The provenance comes first as `#` lines.
 */
import { csvDocument, type CsvCell } from './csv.ts';
import { float32Number } from './float32Text.ts';
import { labelHits, NO_HITS } from './labelHits.ts';
import { provenanceLines } from './provenance.ts';
import { provenanceOf, type SessionExport } from './sessionExport.ts';

export const IMAGES_CSV_HEADER = ['name', 'label', 'split', 'knor', 'precision_hits_before', 'precision_hits_after', 'image_loss'] as const;

export function imagesCsv(s: SessionExport): string {
  const { k, nnPre, nnPost, perImage: knor } = s.knor;
  const hits = labelHits(
    s.images.map((image) => image.label),
    nnPre,
    nnPost,
    k,
  );
  const loss = s.reconstruction?.perImage ?? null;
  const count = (h: number): CsvCell => (h === NO_HITS ? null : h);
  const rows = s.images.map((image, i): CsvCell[] => [
    image.name,
    image.label,
    image.split,
    float32Number(knor[i]!),
    count(hits.before[i]!),
    count(hits.after[i]!),
    loss ? float32Number(loss[i]!) : null,
  ]);
  const comments = [
    ...provenanceLines(provenanceOf(s)),
    `columns: precision_hits = how many of the k neighbours share the image's label (empty: unlabelled); image_loss = mean patch MSE in standardised units (empty: no reconstruction)`,
  ];
  return csvDocument(IMAGES_CSV_HEADER, rows, comments);
}
