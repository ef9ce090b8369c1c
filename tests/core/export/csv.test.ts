/**
 * CSV cells read back by an independent RFC 4180 reader (rfc4180.ts) and by Python's csv module:
 * text survives exactly (with the formula guard's apostrophe), formulas come back inert, numbers
 * stay numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvDocument, csvField, guardFormula } from '../../../src/core/export/csv.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { pythonCsv } from './python.ts';
import { parseRfc4180, splitComments } from './rfc4180.ts';

describe('guardFormula', () => {
  it('puts an apostrophe before each character a spreadsheet starts a formula with, and only those', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(guardFormula(`${start}1+1`)).toBe(`'${start}1+1`);
    for (const text of ['cat', '1=1', 'a-b', "'=already", '', ' =spaced', '#hash']) expect(guardFormula(text)).toBe(text);
  });
});

describe('csvField', () => {
  it('escapes an injected formula and quotes it (it holds a comma and quotes)', () => {
    expect(csvField('=HYPERLINK("http://evil.example","click")')).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  });

  it('writes numbers as numbers: negative ones are not guarded', () => {
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(1e-300)).toBe('1e-300');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(-Infinity)).toBe('-inf');
    expect(csvField(null)).toBe('');
    // The same characters as text are guarded.
    expect(csvField('-0.25')).toBe("'-0.25");
  });

  it('quotes commas, quotes and line breaks (RFC 4180), and leaves plain text bare', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('plain text')).toBe('plain text');
  });

  it('any text reads back exactly, less the guard apostrophe (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', '\r', '\t', '=', '-', '+', '@', ' ', "'", 'é', '😀') }), {
          minLength: 1,
          maxLength: 5,
        }),
        (cells) => {
          const text = csvDocument(
            cells.map((_, i) => `c${i}`),
            [cells],
          );
          const [header, row, ...rest] = parseRfc4180(text);
          expect(header).toEqual(cells.map((_, i) => `c${i}`));
          expect(rest).toEqual([]);
          expect(row).toEqual(cells.map(guardFormula));
        },
      ),
    );
  });
});

describe('csvDocument', () => {
  it('puts comment lines first, one line each, and refuses a row of the wrong width', () => {
    const text = csvDocument(['a', 'b'], [[1, 'x']], ['pack: two\nlines', 'k: 5']);
    expect(text).toBe('# pack: two lines\r\n# k: 5\r\na,b\r\n1,x\r\n');
    expect(() => csvDocument(['a', 'b'], [[1]])).toThrow(/1 cells for 2 columns/);
  });

  it("reads back with Python's csv module, cell for cell", (ctx) => {
    const why = whyNoToolsPython('csv');
    if (why) ctx.skip(why);
    const rows = [
      ['=HYPERLINK("http://evil.example","click")', -1.5, 'a,b'],
      ['line\r\nbreak', 0, null],
      ['@SUM(A1)', 2.25, 'say "hi"'],
    ] as const;
    const text = csvDocument(['text', 'number', 'more'], rows, ['comment']);
    const parsed = pythonCsv(text);
    expect(parsed).toEqual([
      ['text', 'number', 'more'],
      [`'=HYPERLINK("http://evil.example","click")`, '-1.5', 'a,b'],
      ['line\r\nbreak', '0', ''],
      ["'@SUM(A1)", '2.25', 'say "hi"'],
    ]);
    expect(splitComments(text).comments).toEqual(['comment']);
  });
});
