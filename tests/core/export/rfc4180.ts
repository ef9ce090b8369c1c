/**
 * A minimal RFC 4180 reader written for these tests only, independent of src/ (it shares no code
 * with the writer or with src/core/labels/delimited.ts): records end in CRLF (a lone LF is
 * accepted), a quoted field may hold commas, quotes doubled and line breaks. Comment lines are
 * not RFC 4180: the caller strips them.
 */
export function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
      i++;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] !== '\n') throw new Error(`lone CR at ${i}`);
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' ? 2 : 1;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted) throw new Error('unclosed quote');
  if (fieldStarted || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** The `#` comment lines at the top (without "# ") and the records after them. */
export function splitComments(text: string): { comments: string[]; records: string[][] } {
  const comments: string[] = [];
  let rest = text;
  while (rest.startsWith('#')) {
    const end = rest.indexOf('\r\n');
    comments.push(rest.slice(2, end));
    rest = rest.slice(end + 2);
  }
  return { comments, records: parseRfc4180(rest) };
}
