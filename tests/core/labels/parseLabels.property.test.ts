/**
 * Properties of the label parser: anything written with correct quoting reads back to the same map,
 * and anything at all (strings, damaged files, random bytes) gives a result or a UserFacingError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/core/errors.ts';
import { parseLabels, type ParsedLabels } from '../../../src/core/labels/parseLabels.ts';

const RUNS = 1000;

/** Characters that stress quoting and decoding, plus any Unicode grapheme. */
const tricky = fc.constantFrom(
  ',',
  ';',
  '"',
  '""',
  '\t',
  ' ',
  '\n',
  '\r\n',
  '\r',
  "'",
  '[',
  '{',
  '.',
  'é',
  'e\u0301',
  '猫',
  '😀',
  '\u00a0',
  '\u2028',
  '#',
  '=',
);
const unit = fc.oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), fc.constantFrom('a', 'b', 'X', '1'));
// No path separators (a path keeps its base name), no C0 controls or BOM (the file would be binary or lose its first character).
const text = fc
  .string({ unit, minLength: 1, maxLength: 12 })
  // eslint-disable-next-line no-control-regex -- control characters are what is left out
  .map((s) => s.replace(/[/\\\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/g, ''))
  .filter((s) => s.trim() !== '');
const imageName = fc.tuple(text, fc.constantFrom('.jpg', '.png', '.JPEG', '.webp')).map(([stem, ext]) => stem + ext);

const entriesOf = (names: fc.Arbitrary<string>) => fc.uniqueArray(fc.tuple(names, text), { minLength: 1, maxLength: 12, selector: ([name]) => name });

/** RFC 4180 field quoting, extended to this dialect: quote anything a reader could split or trim. */
function field(s: string): string {
  return /[",;\t\r\n]/.test(s) || /^[ \t]|[ \t]$/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s;
}

interface Written {
  readonly content: string | Uint8Array;
  readonly name: string;
  readonly format: 'csv' | 'tsv' | 'json';
}

function writeDelimited(
  entries: [string, string][],
  o: { delimiter: ',' | '\t' | ';'; header: boolean; extra: number; eol: string; finalEol: boolean },
): string {
  const rows: string[][] = entries.map(([n, l]) => [n, l, ...Array.from({ length: o.extra }, (_, i) => String(i * 0.5))]);
  if (o.header) rows.unshift(['file', 'label', ...Array.from({ length: o.extra }, (_, i) => `notes ${i}`)]);
  return rows.map((r) => r.map(field).join(o.delimiter)).join(o.eol) + (o.finalEol ? o.eol : '');
}

const asBytes = (s: string, bom: boolean) => new TextEncoder().encode(bom ? `\uFEFF${s}` : s);

const delimitedFile = fc
  .record({
    header: fc.boolean(),
    delimiter: fc.constantFrom<',' | '\t' | ';'>(',', '\t', ';'),
    extension: fc.constantFrom('ext', 'txt', 'none'),
    extra: fc.integer({ min: 0, max: 2 }),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    finalEol: fc.boolean(),
    bytes: fc.boolean(),
    bom: fc.boolean(),
  })
  .chain((o) => fc.tuple(fc.constant(o), entriesOf(o.header ? text : imageName)))
  .map(([o, entries]): [Written, [string, string][]] => {
    const s = writeDelimited(entries, o);
    const ext = o.extension === 'none' ? '' : o.extension === 'txt' ? '.txt' : o.delimiter === '\t' ? '.tsv' : '.csv';
    return [{ content: o.bytes ? asBytes(s, o.bom) : s, name: `labels${ext}`, format: o.delimiter === '\t' ? 'tsv' : 'csv' }, entries];
  });

const jsonFile = fc
  .record({
    shape: fc.constantFrom('object', 'objects', 'pairs'),
    indent: fc.constantFrom(0, 2),
    extension: fc.constantFrom('.json', '.txt', ''),
    bytes: fc.boolean(),
    bom: fc.boolean(),
  })
  .chain((o) => fc.tuple(fc.constant(o), entriesOf(text)))
  .map(([o, entries]): [Written, [string, string][]] => {
    const value = o.shape === 'object' ? Object.fromEntries(entries) : o.shape === 'objects' ? entries.map(([file, label]) => ({ file, label })) : entries;
    const s = JSON.stringify(value, null, o.indent);
    return [{ content: o.bytes ? asBytes(s, o.bom) : s, name: `labels${o.extension}`, format: 'json' }, entries];
  });

const sorted = (entries: Iterable<[string, string]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** parseLabels' contract on any input: a consistent result, or a UserFacingError that names the file. */
function parseOrRefuse(content: string | Uint8Array, name: string): ParsedLabels | null {
  try {
    const r = parseLabels(content, name);
    expect(r.labels.size).toBeGreaterThan(0);
    for (const [file, label] of r.labels) {
      expect(file.trim()).not.toBe('');
      expect(file).not.toMatch(/[/\\]/);
      expect(label.trim()).not.toBe('');
    }
    expect(['csv', 'tsv', 'json']).toContain(r.format);
    for (const w of r.warnings) expect(typeof w).toBe('string');
    return r;
  } catch (e) {
    if (!(e instanceof UserFacingError)) throw e;
    expect(e.message.startsWith(name)).toBe(true);
    return null;
  }
}

describe('parseLabels properties', () => {
  it('reads back any CSV/TSV written with correct quoting: same names, labels and order', () => {
    fc.assert(
      fc.property(delimitedFile, ([file, entries]) => {
        const r = parseLabels(file.content, file.name);
        expect([...r.labels]).toEqual(entries);
        expect(r.format).toBe(file.format);
        expect(r.warnings).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads back any JSON labels, as an object, a list of objects or a list of pairs', () => {
    fc.assert(
      fc.property(jsonFile, ([file, entries]) => {
        const r = parseLabels(file.content, file.name);
        expect(sorted(r.labels)).toEqual(sorted(entries));
        expect(r.format).toBe('json');
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a result or a UserFacingError for arbitrary strings under any file name', () => {
    const names = fc.constantFrom('l.csv', 'l.tsv', 'l.json', 'l.txt', 'labels', 'l.xlsx');
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.oneof(tricky, fc.constantFrom('a.jpg', 'cat', 'file', 'label', '\u0000', ':', '}', ']', '\ufeff')), maxLength: 60 }),
    );
    fc.assert(
      fc.property(strings, names, (s, name) => {
        parseOrRefuse(s, name);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a result or a UserFacingError for damaged valid files', () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.nat({ max: 6 }),
      fc.constantFrom('', ',', '"', '\n', '\r', '\t', ';', '{', '}', '[', ']', ':', '\\', '/', '\u0000', '\ufeff', 'x', '""'),
    );
    fc.assert(
      fc.property(
        fc.oneof(delimitedFile, jsonFile),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('same', '.csv', '.json', '.txt'),
        ([file], edits, rename) => {
          let s = typeof file.content === 'string' ? file.content : new TextDecoder().decode(file.content);
          for (const [at, cut, insert] of edits) {
            const i = at % (s.length + 1);
            s = s.slice(0, i) + insert + s.slice(i + cut);
          }
          const name = rename === 'same' ? file.name : `labels${rename}`;
          parseOrRefuse(s, name);
          parseOrRefuse(new TextEncoder().encode(s), name);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives a result or a UserFacingError for random bytes, raw or decoded as text', () => {
    const prefix = fc.constantFrom([], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0x50, 0x4b, 0x03, 0x04]);
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 300 }), fc.constantFrom('l.csv', 'l.json', 'l.txt', 'l.tsv'), (head, body, name) => {
        const bytes = Uint8Array.from([...head, ...body]);
        parseOrRefuse(bytes, name);
        parseOrRefuse(new TextDecoder().decode(bytes), name);
        // Mostly-text bytes: printable ASCII with a few arbitrary bytes mixed in.
        parseOrRefuse(
          bytes.map((b, i) => (i % 7 === 0 ? b : 32 + (b % 95))),
          name,
        );
      }),
      { numRuns: RUNS },
    );
  });
});
