/**
 * CSV text for spreadsheets and pandas: RFC 4180 records, CRLF line ends, and a guard against
 * formula injection. Image names and labels come from the user's files, and a spreadsheet runs a
 * text cell that starts with '=', '+', '-' or '@' (and tab or carriage return, which some strip
 * first) as a formula, so such a cell gets a leading apostrophe, as OWASP's CSV-injection guidance
 * asks. Numbers are passed as numbers and written as numbers: a negative distance stays numeric.
 * `#` comment lines may come first (pandas: `read_csv(path, comment='#')`).
 */

/** A cell: text (guarded and quoted as needed), a number (written as is), or null (empty). */
export type CsvCell = string | number | null;

/** The first characters that make a spreadsheet read a text cell as a formula. */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Text with a leading apostrophe when a spreadsheet would take it for a formula; other text unchanged. TSV writers share it. */
export function guardFormula(text: string): string {
  return text.length > 0 && FORMULA_START.has(text[0]!) ? `'${text}` : text;
}

/** A number as a CSV field: JS's shortest round-trip text; NaN empty, ±Infinity as 'inf' / '-inf' (what numpy and pandas read). */
export function numberField(x: number): string {
  if (Number.isNaN(x)) return '';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One field: text guarded against formulas, then quoted (quotes doubled) when it holds a comma, quote or line break. */
export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return numberField(cell);
  const text = guardFormula(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, without its line end. */
export function csvRecord(cells: readonly CsvCell[]): string {
  return cells.map(csvField).join(',');
}

/** A comment line's text on one line: line breaks become spaces. */
function commentLine(text: string): string {
  return `# ${text.replace(/\r\n|[\r\n]/g, ' ')}`;
}

/** A whole file: `# ` comment lines, the header, the rows, each line ended by CRLF. */
export function csvDocument(header: readonly string[], rows: Iterable<readonly CsvCell[]>, comments: readonly string[] = []): string {
  const lines = comments.map(commentLine);
  lines.push(csvRecord(header));
  for (const row of rows) {
    if (row.length !== header.length) throw new RangeError(`invalid CSV row: ${row.length} cells for ${header.length} columns (${header.join(', ')})`);
    lines.push(csvRecord(row));
  }
  return lines.map((line) => `${line}\r\n`).join('');
}
