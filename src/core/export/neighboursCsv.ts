/**
 * neighbours.csv: each image's k neighbours before and after the connector, rank by rank, with
 * their distances as the metric defines them (cosine distance or squared L2, float64 from the
 * pooled vectors: listedDistances.ts), so a reader can see which neighbours the connector
 * replaced and by how much they moved. Long format (one row per image and rank) keeps it one
 * table for pandas and spreadsheets alike.
 */
import { csvDocument, type CsvCell } from './csv.ts';
import { listedDistances } from './listedDistances.ts';
import { provenanceLines } from './provenance.ts';
import { provenanceOf, type SessionExport } from './sessionExport.ts';

export const NEIGHBOURS_CSV_HEADER = ['image', 'rank', 'neighbour_before', 'neighbour_after', 'distance_before', 'distance_after'] as const;

/** [n, k] distances of the listed neighbours before and after the connector. */
export function neighbourDistances(s: SessionExport): { readonly before: Float64Array; readonly after: Float64Array } {
  const n = s.images.length;
  const { k, metric, nnPre, nnPost } = s.knor;
  const { pre, dPre, post, dPost } = s.pooled;
  return { before: listedDistances(pre, n, dPre, nnPre, k, metric), after: listedDistances(post, n, dPost, nnPost, k, metric) };
}

export function neighboursCsv(s: SessionExport): string {
  const { k, nnPre, nnPost } = s.knor;
  const distances = neighbourDistances(s);
  const name = (j: number) => s.images[j]!.name;
  function* rows(): Generator<CsvCell[]> {
    for (let i = 0; i < s.images.length; i++) {
      for (let r = 0; r < k; r++) {
        const a = i * k + r;
        yield [name(i), r + 1, name(nnPre[a]!), name(nnPost[a]!), distances.before[a]!, distances.after[a]!];
      }
    }
  }
  return csvDocument(NEIGHBOURS_CSV_HEADER, rows(), provenanceLines(provenanceOf(s)));
}
