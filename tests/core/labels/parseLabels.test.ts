/** Label files as people write them, and the message each mistake gets. */
import { describe, expect, it } from 'vitest';
import { refusal as refuse } from '../../support/outsideData.ts';
import { MAX_LABEL_FILE_BYTES, parseLabels } from '../../../src/core/labels/parseLabels.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const entries = (text: string | Uint8Array, name: string) => [...parseLabels(text, name).labels];
/** The UserFacingError message parseLabels throws (fails the test on any other outcome). */
const refusal = (content: string | Uint8Array, name: string): string => refuse(() => parseLabels(content, name));

describe('parseLabels: CSV and TSV', () => {
  it('reads a headed CSV with a BOM, CRLF, quoting, a path column and extra columns', () => {
    const text = '\uFEFFpath,label,notes\r\nphotos/cat1.jpg,cat,indoor\r\n"dogs\\dog, 2.jpg","dog ""rex""",\r\n" spaced.png ",  bird  ,x,y\r\n';
    const r = parseLabels(utf8(text), 'labels.csv');
    expect(r.format).toBe('csv');
    expect([...r.labels]).toEqual([
      ['cat1.jpg', 'cat'],
      ['dog, 2.jpg', 'dog "rex"'],
      [' spaced.png ', 'bird'],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('finds the file and label columns by header name, in any order', () => {
    expect(entries('id,Class,Image Name\n1,cat,a.jpg\n2,dog,b.jpg\n', 'l.csv')).toEqual([
      ['a.jpg', 'cat'],
      ['b.jpg', 'dog'],
    ]);
    expect(entries('category\tfile_name\ncat\tx/a.jpg\n', 'l.tsv')).toEqual([['a.jpg', 'cat']]);
    // Only the file column is named: the label is the other of the first two.
    expect(entries('filename,species\na.jpg,cat\n', 'l.csv')).toEqual([['a.jpg', 'cat']]);
  });

  it('takes the first row as data when it does not look like a header', () => {
    expect(entries('a.jpg,cat\nb.jpg,dog', 'l.csv')).toEqual([
      ['a.jpg', 'cat'],
      ['b.jpg', 'dog'],
    ]);
    // "label" as a label, next to a real file name, is data, even with "file" in another column.
    expect(entries('a.jpg,label\n', 'l.csv')).toEqual([['a.jpg', 'label']]);
    expect(entries('a.jpg,label,file\n', 'l.csv')).toEqual([['a.jpg', 'label']]);
  });

  it('does not take a .txt CSV that starts with a bracket for JSON', () => {
    expect(parseLabels('[draft] a.jpg,cat\nb.jpg,dog\n', 'l.txt')).toMatchObject({
      format: 'csv',
      labels: new Map([
        ['[draft] a.jpg', 'cat'],
        ['b.jpg', 'dog'],
      ]),
    });
    expect(refusal('{"a.jpg": "cat",}', 'l.txt')).toMatch(/^l\.txt is not valid JSON/);
  });

  it('reads TSV by extension, and TSV, semicolon CSV and JSON in .txt or unnamed files by content', () => {
    expect(parseLabels('a.jpg\tcat, black\nb.jpg\tdog\n', 'l.tsv')).toMatchObject({ format: 'tsv' });
    expect(entries('a.jpg\tcat, black\nb.jpg\tdog\n', 'l.txt')).toEqual([
      ['a.jpg', 'cat, black'],
      ['b.jpg', 'dog'],
    ]);
    expect(parseLabels('a.jpg\tcat\n', 'labels')).toMatchObject({ format: 'tsv' });
    expect(parseLabels('file;label\na.jpg;cat\n', 'l.csv')).toMatchObject({ format: 'csv', labels: new Map([['a.jpg', 'cat']]) });
    expect(parseLabels(' {"a.jpg": "cat"}', 'l.txt')).toMatchObject({ format: 'json', labels: new Map([['a.jpg', 'cat']]) });
  });

  it('warns about blank lines, empty labels, nameless rows and same-label repeats, and keeps the rest', () => {
    const text = 'file,label\na.jpg,cat\n\nb.jpg,\n,dog\n  \na.jpg,cat\nc.jpg,"  "\nd.jpg,dog\n,,\n\n';
    const r = parseLabels(text, 'l.csv');
    expect([...r.labels]).toEqual([
      ['a.jpg', 'cat'],
      ['d.jpg', 'dog'],
    ]);
    expect(r.warnings).toEqual([
      'Skipped 2 blank lines (lines 3 and 6).',
      'Skipped 1 row with no file name (line 5).',
      'Skipped 2 rows with an empty label (lines 4 and 8); those images stay unlabelled.',
      'a.jpg is listed more than once with the same label (lines 2 and 7); it counts once.',
    ]);
  });

  it('summarises many repeats with an example, and long line lists with a count', () => {
    const rows = ['a.jpg,x', 'b.jpg,y', 'a.jpg,x', 'b.jpg,y', ...Array.from({ length: 7 }, (_, i) => `e${i}.jpg,`), 'z.jpg,z'];
    expect(parseLabels(rows.join('\n'), 'l.csv').warnings).toEqual([
      'Skipped 7 rows with an empty label (lines 5, 6, 7, 8, 9 and 2 more); those images stay unlabelled.',
      '2 file names are listed more than once with the same label (e.g. a.jpg: lines 1 and 3); each counts once.',
    ]);
  });

  it('reads UTF-16 with a BOM (Excel "Unicode text") and falls back to Windows-1252 with a warning', () => {
    const s = 'file\tlabel\ncafé.jpg\tchat\n';
    const le = new Uint8Array(2 + s.length * 2);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < s.length; i++) new DataView(le.buffer).setUint16(2 + 2 * i, s.charCodeAt(i), true);
    expect(entries(le, 'l.txt')).toEqual([['café.jpg', 'chat']]);
    const latin = Uint8Array.from([...utf8('caf'), 0xe9, ...utf8('.jpg,chat\n')]);
    const r = parseLabels(latin, 'l.csv');
    expect([...r.labels]).toEqual([['café.jpg', 'chat']]);
    expect(r.warnings).toEqual([
      'l.csv is not UTF-8, so it was read as Windows-1252 (Western European). If accented labels look wrong, save it as "CSV UTF-8" and load it again.',
    ]);
  });
});

describe('parseLabels: JSON', () => {
  it('reads an object of name -> label, with paths, numbers and null', () => {
    const r = parseLabels(utf8('{"a/cat1.jpg": "cat", "dog1.jpg": 3, "x.jpg": null}'), 'labels.json');
    expect(r.format).toBe('json');
    expect([...r.labels]).toEqual([
      ['cat1.jpg', 'cat'],
      ['dog1.jpg', '3'],
    ]);
    expect(r.warnings).toEqual(['Skipped 1 row with an empty label ("x.jpg"); those images stay unlabelled.']);
  });

  it('reads a list of {file, label} objects (any recognised key names) and of pairs', () => {
    expect(entries('[{"file": "a.jpg", "label": "cat", "score": 1}, {"Image": "b.jpg", "class": "dog"}]', 'l.json')).toEqual([
      ['a.jpg', 'cat'],
      ['b.jpg', 'dog'],
    ]);
    expect(entries('[["a.jpg", "cat"], ["b.jpg", "dog", "extra"]]', 'l.json')).toEqual([
      ['a.jpg', 'cat'],
      ['b.jpg', 'dog'],
    ]);
  });

  it('names the item or key that is wrong', () => {
    expect(refusal('[{"file": "a.jpg", "label": "cat"}, {"label": "dog"}]', 'l.json')).toBe(
      'l.json item 2 has no file name; expected a "file" (or "filename", "image", "path") key with text. Fix that item and load the file again.',
    );
    expect(refusal('[{"file": "a.jpg", "species": "cat"}]', 'l.json')).toBe(
      'l.json item 1 has no label; expected a "label" (or "class", "category") key. Fix that item and load the file again.',
    );
    expect(refusal('[{"file": "a.jpg", "label": "cat"}, 7]', 'l.json')).toBe(
      'l.json item 2 is a number; expected an object like {"cat1.jpg": "cat"} or a list like [{"file": "cat1.jpg", "label": "cat"}]. Fix that item and load the file again.',
    );
    expect(refusal('[["a.jpg"]]', 'l.json')).toBe('l.json item 1 is not a ["file name", "label"] pair. Fix that item and load the file again.');
    expect(refusal('{"a.jpg": {"name": "cat"}}', 'l.json')).toBe(
      'l.json: "a.jpg" has an object as its label; expected text such as "cat". Fix it and load the file again.',
    );
    expect(refusal('"cat"', 'l.json')).toBe(
      'l.json holds text; expected an object like {"cat1.jpg": "cat"} or a list like [{"file": "cat1.jpg", "label": "cat"}].',
    );
  });

  it('gives the line of a JSON syntax error', () => {
    expect(refusal('{\n  "a.jpg": "cat",\n  "b.jpg" "dog"\n}', 'l.json')).toBe(
      'l.json is not valid JSON (the error is on line 3). Fix it, or save the labels as CSV with one "file name,label" line per image.',
    );
    expect(refusal('{\n"a.jpg": "cat",\n', 'l.json')).toMatch(/^l\.json is not valid JSON \(the error is on line 3\)\./);
  });

  it('refuses an empty object or list', () => {
    expect(refusal('{}', 'l.json')).toBe('l.json has no labels. List each image with its label, e.g. {"cat1.jpg": "cat"}.');
    expect(refusal('[{"file": "a.jpg", "label": ""}]', 'l.json')).toBe(
      'l.json has no labels (every row lacks a file name or a label). List each image with its label, e.g. {"cat1.jpg": "cat"}.',
    );
  });
});

describe('parseLabels: refusals', () => {
  it.each<[string, string | Uint8Array, string, string]>([
    ['an empty file', new Uint8Array(0), 'l.csv', 'l.csv is empty (0 bytes). Add one line per image with its file name and label, e.g. cat1.jpg,cat.'],
    [
      'a file of blank lines',
      '\uFEFF\r\n  \n',
      'l.csv',
      'l.csv is empty (it has only blank lines). Add one line per image with its file name and label, e.g. cat1.jpg,cat.',
    ],
    [
      'binary bytes',
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]),
      'l.csv',
      'l.csv is not a text file (it looks like binary data). Choose a CSV, TSV or JSON file that maps image file names to labels.',
    ],
    [
      'control characters',
      'a.jpg,\x01\x02\x03\x04cat\n',
      'l.csv',
      'l.csv is not a text file (it looks like binary data). Choose a CSV, TSV or JSON file that maps image file names to labels.',
    ],
    [
      'a workbook',
      utf8('PK\x03\x04'),
      'labels.xlsx',
      'labels.xlsx is a spreadsheet workbook, which is not read here. Save it as CSV (UTF-8) and load that file.',
    ],
    [
      'a one-column row',
      'file,label\na.jpg,cat\nb.jpg\n',
      'l.csv',
      'l.csv line 3 has 1 column; it needs at least 2 (a file name and a label, separated by commas). Fix that line and load the file again.',
    ],
    [
      'a row too short for the header',
      'id\tlabel\tfile\n1\tcat\n',
      'l.tsv',
      'l.tsv line 2 has 2 columns; it needs at least 3 (a file name and a label, separated by tabs). Fix that line and load the file again.',
    ],
    [
      'two labels for one file',
      'a/x.jpg,cat\nb.jpg,dog\nb/x.jpg,dog\n',
      'l.csv',
      'l.csv gives x.jpg two labels: "cat" (line 1) and "dog" (line 3). Keep one and load the file again.',
    ],
    [
      'two labels in JSON',
      '[{"file": "x.jpg", "label": "cat"}, {"file": "x.jpg", "label": "Cat"}]',
      'l.json',
      'l.json gives x.jpg two labels: "cat" (item 1) and "Cat" (item 2). Keep one and load the file again.',
    ],
    [
      'only a header',
      'filename,label\n\n',
      'l.csv',
      'l.csv has no label rows (only a header). Add one line per image with its file name and label, e.g. cat1.jpg,cat.',
    ],
    [
      'only empty labels',
      'a.jpg,\nb.jpg,\n',
      'l.csv',
      'l.csv has no label rows (every row lacks a file name or a label). Add one line per image with its file name and label, e.g. cat1.jpg,cat.',
    ],
    [
      'an unclosed quote',
      'a.jpg,cat\n"b.jpg,dog\nc.jpg,cat\n',
      'l.csv',
      'l.csv line 2: a quoted field has no closing quote ("). Add the missing quote and load the file again.',
    ],
    [
      'text after a closing quote',
      'a.jpg,"big" cat\n',
      'l.csv',
      'l.csv line 1: there is text after a closing quote. Put the whole field in quotes, write any quote inside it twice (""), and load the file again.',
    ],
  ])('refuses %s', (_, content, name, message) => {
    expect(refusal(content, name)).toBe(message);
  });

  it('counts lines past a quoted line break when naming a later line', () => {
    expect(refusal('a.jpg,"two\nline label"\nb.jpg\n', 'l.csv')).toMatch(/^l\.csv line 3 has 1 column;/);
  });

  it('refuses a file over 10 MB, as bytes or as text', () => {
    const big = new Uint8Array(MAX_LABEL_FILE_BYTES + 1).fill(0x61);
    expect(refusal(big, 'big.csv')).toBe(
      'big.csv is 10.0 MB, over the 10 MB limit for a label file. Keep only the file name and label columns and load it again.',
    );
    // 3.5 M three-byte characters: under 10 M UTF-16 units, over 10 MB as UTF-8.
    expect(refusal('€'.repeat(3_500_000), 'big.csv')).toMatch(/^big\.csv is 10\.0 MB, over the 10 MB limit/);
    expect(() => parseLabels(`a.jpg,${'x'.repeat(MAX_LABEL_FILE_BYTES - 6)}`, 'ok.csv')).not.toThrow();
  });

  it('reads a 9 MB file in linear time, also one full of quotes', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => `"dir/img ""${i}"".jpg","class ${i % 10}"`).join('\n');
    expect(rows.length).toBeGreaterThan(9_000_000);
    const t0 = performance.now();
    expect(parseLabels(rows, 'big.csv').labels.size).toBe(300_000);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});
