/**
 * Files for the TensorFlow Embedding Projector (projector.tensorflow.org, "Load"): a vectors TSV
 * (one row of tab-separated numbers per point, no header) and a metadata TSV. The Projector
 * splits lines on '\n' and fields on '\t' with no quoting, and with more than one metadata
 * column it requires a header row; so a tab or line break inside a value is replaced by a space,
 * and text cells get the same formula guard as CSV (the file opens in spreadsheets too).
 */
import { guardFormula, numberField } from './csv.ts';
import { float32Text } from './float32Text.ts';

/** A metadata cell: text (guarded, tabs and line breaks made spaces), a number, or null (empty). */
export type TsvCell = string | number | null;

/** One TSV text value: formula-guarded first (a value opening with a tab still counts), then tabs and line breaks replaced by spaces. */
export function tsvText(value: string): string {
  return guardFormula(value).replace(/\r\n|[\t\r\n]/g, ' ');
}

function tsvField(cell: TsvCell): string {
  if (cell === null) return '';
  return typeof cell === 'number' ? numberField(cell) : tsvText(cell);
}

/** [n, dim] float32 vectors, one line each, values as their shortest float32 text. */
export function vectorsTsv(vectors: Float32Array, n: number, dim: number): string {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`invalid dim: ${dim} (expected a positive integer)`);
  if (vectors.length !== n * dim) throw new RangeError(`invalid vectors: expected ${n} x ${dim} = ${n * dim} values, got ${vectors.length}`);
  const lines: string[] = [];
  const row: string[] = new Array<string>(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) row[d] = float32Text(vectors[i * dim + d]!);
    lines.push(`${row.join('\t')}\n`);
  }
  return lines.join('');
}

/** Metadata with a header row (the Projector needs one when there is more than one column), one line per point. */
export function metadataTsv(header: readonly string[], rows: readonly (readonly TsvCell[])[]): string {
  if (header.length < 2)
    throw new RangeError(
      `invalid header: ${header.length} column(s); a single-column Projector metadata file has no header row, so this writer takes two or more`,
    );
  const lines = [header.map(tsvText).join('\t')];
  for (const [i, row] of rows.entries()) {
    if (row.length !== header.length) throw new RangeError(`invalid metadata row ${i}: ${row.length} cells for ${header.length} columns`);
    lines.push(row.map(tsvField).join('\t'));
  }
  return lines.map((line) => `${line}\n`).join('');
}
