/**
 * Read a user's label file: which class each image belongs to, for retrieval precision@k.
 * CSV/TSV (file name, label; extra columns ignored; an optional header row names the columns)
 * or JSON ({"cat1.jpg": "cat"} or [{"file": "cat1.jpg", "label": "cat"}]).
 *
 * A path keeps only its base name, so "photos/cat1.jpg" labels a dropped "cat1.jpg". Problems that
 * lose nothing (blank lines, repeats) are warnings; anything that would silently mislabel an image
 * (two labels for one file, a short row, broken quoting or JSON) is a UserFacingError naming the
 * file and, where there is one, the line.
 */
import { UserFacingError } from '../errors.ts';
import { DelimitedSyntaxError, readRecords, sniffDelimiter, type Delimiter } from './delimited.ts';

export type LabelFormat = 'csv' | 'tsv' | 'json';

export interface ParsedLabels {
  /** Image base name -> label, in the file's order. */
  readonly labels: Map<string, string>;
  readonly format: LabelFormat;
  readonly warnings: readonly string[];
}

export const MAX_LABEL_FILE_BYTES = 10 * 1024 * 1024;

/** One name/label pair as found, with where it was found for messages. */
interface Row {
  readonly name: string;
  readonly label: string;
  /** 1-based line (CSV/TSV), or null for JSON. */
  readonly line: number | null;
  /** "line 3", "item 2", or the JSON key. */
  readonly where: string;
}

const EXAMPLE = 'Add one line per image with its file name and label, e.g. cat1.jpg,cat.';
const SPREADSHEETS = new Set(['xlsx', 'xls', 'xlsm', 'ods', 'numbers']);
// Header cells, compared lower-cased without spaces, underscores or hyphens.
const FILE_KEYS = new Set(['file', 'files', 'filename', 'fname', 'image', 'images', 'imagename', 'imagefile', 'img', 'path', 'filepath', 'imagepath']);
const LABEL_KEYS = new Set(['label', 'labels', 'labelname', 'class', 'classname', 'category', 'categoryname', 'target', 'tag']);
const headerKey = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, '');
const looksLikeFileName = (s: string) => /\.[A-Za-z0-9]{2,5}$/.test(s.trim());

const extensionOf = (fileName: string) => {
  const m = /\.([^./\\]+)$/.exec(fileName);
  return m ? m[1]!.toLowerCase() : '';
};

/** The last path component: "photos/cat1.jpg" and "C:\\x\\cat1.jpg" both name cat1.jpg. */
export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}

const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

/** "lines 4, 9 and 12" / "item 2" / '"a.jpg" and "b.jpg"', at most five then "and N more". */
function placesOf(rows: readonly { line: number | null; where: string }[]): string {
  const shown = rows.slice(0, 5);
  const allLines = rows.every((r) => r.line !== null);
  const parts = allLines ? shown.map((r) => String(r.line)) : shown.map((r) => r.where);
  const rest = rows.length - shown.length;
  const list =
    rest > 0 ? `${parts.join(', ')} and ${rest} more` : parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? '');
  return allLines ? `${plural(rows.length, 'line')} ${list}` : list;
}

function sizeInUtf8(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** C0 control characters other than tab, line breaks and form feed: text files have next to none. */
function looksBinary(text: string): boolean {
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11) || c === 0x7f) controls++;
  }
  return controls > text.length / 100;
}

function notText(name: string): UserFacingError {
  return new UserFacingError(`${name} is not a text file (it looks like binary data). Choose a CSV, TSV or JSON file that maps image file names to labels.`);
}

/** Bytes to text: UTF-8 (BOM optional), UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252. */
function decode(bytes: Uint8Array, name: string, warnings: string[]): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    try {
      return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes);
    } catch {
      throw notText(name);
    }
  }
  if (bytes.includes(0)) throw notText(name);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    warnings.push(
      `${name} is not UTF-8, so it was read as Windows-1252 (Western European). If accented labels look wrong, save it as "CSV UTF-8" and load it again.`,
    );
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function decideFormat(ext: string, text: string): { format: LabelFormat; delimiter: Delimiter } {
  if (ext === 'json') return { format: 'json', delimiter: ',' };
  if (ext === 'tsv' || ext === 'tab') return { format: 'tsv', delimiter: '\t' };
  // Bracketed at both ends: a CSV may start with "[draft] cat.jpg", rarely also end with "]".
  const t = text.trim();
  if (ext !== 'csv' && ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')))) return { format: 'json', delimiter: ',' };
  const delimiter = sniffDelimiter(text);
  return { format: delimiter === '\t' ? 'tsv' : 'csv', delimiter };
}

export function parseLabels(content: Uint8Array | string, fileName: string): ParsedLabels {
  const name = fileName;
  const size = typeof content === 'string' ? (content.length > MAX_LABEL_FILE_BYTES ? content.length : sizeInUtf8(content)) : content.length;
  if (size > MAX_LABEL_FILE_BYTES) {
    throw new UserFacingError(
      `${name} is ${(size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_LABEL_FILE_BYTES / 1024 / 1024} MB limit for a label file. Keep only the file name and label columns and load it again.`,
    );
  }
  const ext = extensionOf(name);
  if (SPREADSHEETS.has(ext)) throw new UserFacingError(`${name} is a spreadsheet workbook, which is not read here. Save it as CSV (UTF-8) and load that file.`);
  if (size === 0) throw new UserFacingError(`${name} is empty (0 bytes). ${EXAMPLE}`);

  const warnings: string[] = [];
  let text = typeof content === 'string' ? content : decode(content, name, warnings);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (looksBinary(text)) throw notText(name);
  if (text.trim() === '') throw new UserFacingError(`${name} is empty (it has only blank lines). ${EXAMPLE}`);

  const { format, delimiter } = decideFormat(ext, text);
  const rows = format === 'json' ? jsonRows(text, name) : delimitedRows(text, name, delimiter, warnings);
  return { labels: collect(rows, name, format, warnings), format, warnings };
}

function delimitedRows(text: string, name: string, delimiter: Delimiter, warnings: string[]): { rows: Row[]; header: boolean } {
  let records;
  try {
    records = readRecords(text, delimiter);
  } catch (e) {
    if (!(e instanceof DelimitedSyntaxError)) throw e;
    throw new UserFacingError(
      e.kind === 'unclosed-quote'
        ? `${name} line ${e.line}: a quoted field has no closing quote ("). Add the missing quote and load the file again.`
        : `${name} line ${e.line}: there is text after a closing quote. Put the whole field in quotes, write any quote inside it twice (""), and load the file again.`,
      { cause: e },
    );
  }
  // Blank lines at the end are an editor's habit, not worth a warning; others are reported.
  let last = records.length - 1;
  while (last >= 0 && records[last]!.blank) last--;
  const blanks = records.slice(0, last + 1).filter((r) => r.blank);
  if (blanks.length > 0)
    warnings.push(`Skipped ${blanks.length} blank ${plural(blanks.length, 'line')} (${placesOf(blanks.map((r) => ({ line: r.line, where: '' })))}).`);
  const data = records.slice(0, last + 1).filter((r) => !r.blank);

  let fileCol = 0;
  let labelCol = 1;
  let header = false;
  const first = data[0];
  if (first) {
    const fileIdx = first.fields.findIndex((f) => FILE_KEYS.has(headerKey(f)));
    const labelIdx = first.fields.findIndex((f) => LABEL_KEYS.has(headerKey(f)));
    // A recognised column name makes a header only if no cell of the row looks like an image file
    // ("x.jpg,label" is a row labelled "label").
    header = (fileIdx >= 0 || labelIdx >= 0) && !first.fields.some(looksLikeFileName);
    if (header) {
      fileCol = fileIdx >= 0 ? fileIdx : labelIdx === 0 ? 1 : 0;
      labelCol = labelIdx >= 0 ? labelIdx : fileCol === 0 ? 1 : 0;
    }
  }
  const need = Math.max(fileCol, labelCol) + 1;
  const separator = delimiter === ',' ? 'commas' : delimiter === '\t' ? 'tabs' : 'semicolons';
  const rows: Row[] = [];
  for (const r of header ? data.slice(1) : data) {
    if (r.fields.length < need) {
      throw new UserFacingError(
        `${name} line ${r.line} has ${r.fields.length} ${plural(r.fields.length, 'column')}; it needs at least ${need} (a file name and a label, separated by ${separator}). Fix that line and load the file again.`,
      );
    }
    rows.push({ name: r.fields[fileCol]!, label: r.fields[labelCol]!, line: r.line, where: `line ${r.line}` });
  }
  return { rows, header };
}

const kindOf = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'an object'
        : typeof v === 'string'
          ? 'text'
          : typeof v === 'number'
            ? 'a number'
            : typeof v === 'boolean'
              ? 'true/false'
              : typeof v;

/** V8 says "at position 13" or "(line 2 column 5)", Firefox "at line 2 column 5", or "end of input". */
function jsonErrorLine(message: string, text: string): number | null {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  const at = position ? Math.min(Number(position[1]), text.length) : /end of (JSON )?(input|data)/i.test(message) ? text.length : -1;
  if (at < 0) return null;
  return 1 + (text.slice(0, at).match(/\r\n|\r|\n/g)?.length ?? 0);
}

function labelValue(v: unknown, name: string, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v === null) return '';
  throw new UserFacingError(`${name}: ${what} has ${kindOf(v)} as its label; expected text such as "cat". Fix it and load the file again.`);
}

function jsonRows(text: string, name: string): { rows: Row[]; header: boolean } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const line = jsonErrorLine(e instanceof Error ? e.message : '', text);
    throw new UserFacingError(
      `${name} is not valid JSON${line === null ? '' : ` (the error is on line ${line})`}. Fix it, or save the labels as CSV with one "file name,label" line per image.`,
      { cause: e },
    );
  }
  const shape = 'expected an object like {"cat1.jpg": "cat"} or a list like [{"file": "cat1.jpg", "label": "cat"}]';
  const rows: Row[] = [];
  if (Array.isArray(json)) {
    json.forEach((item: unknown, i) => {
      const where = `item ${i + 1}`;
      if (Array.isArray(item)) {
        if (item.length < 2 || typeof item[0] !== 'string')
          throw new UserFacingError(`${name} ${where} is not a ["file name", "label"] pair. Fix that item and load the file again.`);
        rows.push({ name: item[0], label: labelValue(item[1], name, where), line: null, where });
        return;
      }
      if (typeof item !== 'object' || item === null)
        throw new UserFacingError(`${name} ${where} is ${kindOf(item)}; ${shape}. Fix that item and load the file again.`);
      const entries = Object.entries(item);
      const file = entries.find(([k]) => FILE_KEYS.has(headerKey(k)));
      const label = entries.find(([k]) => LABEL_KEYS.has(headerKey(k)));
      if (!file || typeof file[1] !== 'string')
        throw new UserFacingError(
          `${name} ${where} has no file name; expected a "file" (or "filename", "image", "path") key with text. Fix that item and load the file again.`,
        );
      if (!label)
        throw new UserFacingError(`${name} ${where} has no label; expected a "label" (or "class", "category") key. Fix that item and load the file again.`);
      rows.push({ name: file[1], label: labelValue(label[1], name, where), line: null, where });
    });
    return { rows, header: false };
  }
  if (typeof json !== 'object' || json === null) throw new UserFacingError(`${name} holds ${kindOf(json)}; ${shape}.`);
  for (const [key, value] of Object.entries(json)) {
    const where = JSON.stringify(key.length > 40 ? `${key.slice(0, 37)}...` : key);
    rows.push({ name: key, label: labelValue(value, name, where), line: null, where });
  }
  return { rows, header: false };
}

function collect({ rows, header }: { rows: Row[]; header: boolean }, name: string, format: LabelFormat, warnings: string[]): Map<string, string> {
  const labels = new Map<string, string>();
  const firstSeen = new Map<string, Row>();
  const noName: Row[] = [];
  const noLabel: Row[] = [];
  const repeats = new Map<string, Row[]>();
  for (const row of rows) {
    const file = baseName(row.name);
    if (file.trim() === '') {
      noName.push(row);
      continue;
    }
    if (row.label.trim() === '') {
      noLabel.push(row);
      continue;
    }
    const seen = firstSeen.get(file);
    if (!seen) {
      firstSeen.set(file, row);
      labels.set(file, row.label);
      continue;
    }
    if (seen.label !== row.label) {
      throw new UserFacingError(
        `${name} gives ${file} two labels: "${seen.label}" (${seen.where}) and "${row.label}" (${row.where}). Keep one and load the file again.`,
      );
    }
    repeats.set(file, [...(repeats.get(file) ?? [seen]), row]);
  }
  if (noName.length > 0) warnings.push(`Skipped ${noName.length} ${plural(noName.length, 'row')} with no file name (${placesOf(noName)}).`);
  if (noLabel.length > 0)
    warnings.push(`Skipped ${noLabel.length} ${plural(noLabel.length, 'row')} with an empty label (${placesOf(noLabel)}); those images stay unlabelled.`);
  if (repeats.size > 0) {
    const [file, at] = repeats.entries().next().value!;
    warnings.push(
      repeats.size === 1
        ? `${file} is listed more than once with the same label (${placesOf(at)}); it counts once.`
        : `${repeats.size} file names are listed more than once with the same label (e.g. ${file}: ${placesOf(at)}); each counts once.`,
    );
  }
  if (labels.size === 0) {
    const why = rows.length === 0 ? (header ? ' (only a header)' : '') : ' (every row lacks a file name or a label)';
    throw new UserFacingError(
      format === 'json'
        ? `${name} has no labels${why}. List each image with its label, e.g. {"cat1.jpg": "cat"}.`
        : `${name} has no label rows${why}. ${EXAMPLE}`,
    );
  }
  return labels;
}
