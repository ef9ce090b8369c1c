/**
 * Records from CSV/TSV text, RFC 4180 quoting: a quoted field may hold delimiters, line breaks and
 * quotes written twice (""). CRLF, LF and a lone CR all end a record. Unquoted fields are trimmed
 * of spaces (people type "cat1.jpg, cat"); quoted fields are kept exactly as written. A quote in
 * the middle of an unquoted field is taken literally, as spreadsheets do.
 */

export type Delimiter = ',' | '\t' | ';';

export interface DelimitedRecord {
  readonly fields: readonly string[];
  /** 1-based line on which the record starts (a quoted line break makes a record span lines). */
  readonly line: number;
  /** Every field empty and unquoted: a blank line, or a spreadsheet's ",,," filler row. */
  readonly blank: boolean;
}

/** Malformed quoting, with the line it was found on; the caller words it for people. */
export class DelimitedSyntaxError extends Error {
  override readonly name = 'DelimitedSyntaxError';
  constructor(
    readonly kind: 'unclosed-quote' | 'text-after-quote',
    readonly line: number,
  ) {
    super(`${kind} on line ${line}`);
  }
}

const isPad = (c: string | undefined, delimiter: Delimiter) => c === ' ' || (c === '\t' && delimiter !== '\t');

function trimPad(s: string, delimiter: Delimiter): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPad(s[a], delimiter)) a++;
  while (b > a && isPad(s[b - 1], delimiter)) b--;
  return s.slice(a, b);
}

/** Line breaks in s, counting CRLF once. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\n') n++;
    else if (s[i] === '\r' && s[i + 1] !== '\n') n++;
  }
  return n;
}

export function readRecords(text: string, delimiter: Delimiter): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let anyQuoted = false;
    for (;;) {
      let j = i;
      while (j < n && isPad(text[j], delimiter)) j++;
      if (text[j] === '"') {
        const fieldLine = line;
        anyQuoted = true;
        let value = '';
        j++;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new DelimitedSyntaxError('unclosed-quote', fieldLine);
          const part = text.slice(j, q);
          value += part;
          line += lineBreaks(part);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        while (j < n && isPad(text[j], delimiter)) j++;
        if (j < n && text[j] !== delimiter && text[j] !== '\r' && text[j] !== '\n') throw new DelimitedSyntaxError('text-after-quote', line);
        fields.push(value);
      } else {
        let k = j;
        while (k < n && text[k] !== delimiter && text[k] !== '\r' && text[k] !== '\n') k++;
        fields.push(trimPad(text.slice(i, k), delimiter));
        j = k;
      }
      if (j < n && text[j] === delimiter) {
        i = j + 1;
        continue;
      }
      if (text[j] === '\r') {
        j += text[j + 1] === '\n' ? 2 : 1;
        line++;
      } else if (text[j] === '\n') {
        j++;
        line++;
      }
      i = j;
      break;
    }
    records.push({ fields, line: start, blank: !anyQuoted && fields.every((f) => f === '') });
  }
  return records;
}

/**
 * The delimiter of a .csv or .txt file: of tab, semicolon and comma (in that order of preference),
 * the first found outside quotes on each of the first 20 non-blank lines. Preferring the rarer
 * characters keeps "a.jpg<tab>cat, black" a TSV and "a.jpg;cat;0,95" (a decimal comma, as
 * spreadsheets write in many locales) a semicolon file.
 */
export function sniffDelimiter(text: string): Delimiter {
  const candidates: Delimiter[] = ['\t', ';', ','];
  const onEveryLine = new Set<Delimiter>(candidates);
  const total = new Map<Delimiter, number>(candidates.map((d) => [d, 0]));
  let seen = new Set<Delimiter>();
  let lines = 0;
  let inQuotes = false;
  let content = false;
  const endLine = () => {
    if (!content) return;
    for (const d of candidates) if (!seen.has(d)) onEveryLine.delete(d);
    lines++;
    seen = new Set();
    content = false;
  };
  for (let i = 0; i < text.length && lines < 20; i++) {
    const c = text[i]!;
    if (c === '"') inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === '\n' || c === '\r') {
      endLine();
      continue;
    } else if (c === '\t' || c === ';' || c === ',') {
      seen.add(c);
      total.set(c, total.get(c)! + 1);
    }
    if (c !== ' ') content = true;
  }
  endLine();
  const consistent = candidates.find((d) => onEveryLine.has(d));
  if (consistent) return consistent;
  const [best, count] = [...total].reduce((a, b) => (b[1] > a[1] ? b : a));
  return count > 0 ? best : ',';
}
