/** The CSV/TSV record reader: RFC 4180 quoting, every line-break style, line numbers for errors. */
import { describe, expect, it } from 'vitest';
import { DelimitedSyntaxError, readRecords, sniffDelimiter } from '../../../src/core/labels/delimited.ts';

const fields = (text: string, d: ',' | '\t' | ';' = ',') => readRecords(text, d).map((r) => r.fields);

describe('readRecords', () => {
  it('reads the RFC 4180 examples: quoted commas, doubled quotes, quoted line breaks', () => {
    expect(fields('aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n')).toEqual([
      ['aaa', 'bbb', 'ccc'],
      ['zzz', 'yyy', 'xxx'],
    ]);
    expect(fields('"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx')).toEqual([
      ['aaa', 'b\r\nbb', 'ccc'],
      ['zzz', 'yyy', 'xxx'],
    ]);
    expect(fields('"aaa","b""bb","ccc"')).toEqual([['aaa', 'b"bb', 'ccc']]);
    expect(fields('"",x,')).toEqual([['', 'x', '']]);
  });

  it('ends records at LF, CRLF and a lone CR, and numbers lines across quoted breaks', () => {
    const records = readRecords('a,1\rb,2\nc,"x\r\ny\nz"\r\nd,4', ',');
    expect(records.map((r) => r.fields)).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'x\r\ny\nz'],
      ['d', '4'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 6]);
  });

  it('trims spaces around unquoted fields only, and keeps tabs in a TSV field position', () => {
    expect(fields(' cat1.jpg ,  cat \n" spaced ", "x" ')).toEqual([
      ['cat1.jpg', 'cat'],
      [' spaced ', 'x'],
    ]);
    expect(fields('a b\t c d \t\n', '\t')).toEqual([['a b', 'c d', '']]);
    expect(fields('say "hi",x')).toEqual([['say "hi"', 'x']]);
  });

  it('marks blank lines and filler rows as blank, but not a quoted empty field', () => {
    expect(readRecords('\n  \n,,\n"",\n', ',').map((r) => r.blank)).toEqual([true, true, true, false]);
  });

  it('reports an unclosed quote at the line where the field starts, and text after a closing quote', () => {
    const at = (text: string) => {
      try {
        readRecords(text, ',');
      } catch (e) {
        return e instanceof DelimitedSyntaxError ? [e.kind, e.line] : ['other', 0];
      }
      return null;
    };
    expect(at('a,1\nb,2\n"c\nd,4\n')).toEqual(['unclosed-quote', 3]);
    expect(at('a,1\n"x\ny"z,2\n')).toEqual(['text-after-quote', 3]);
    expect(at('a,"1" ,2')).toBeNull();
  });
});

describe('sniffDelimiter', () => {
  it('prefers tab, then semicolon, then comma, among those outside quotes on every non-blank line', () => {
    expect(sniffDelimiter('a.jpg\tcat, black\nb.jpg\tdog\n')).toBe('\t');
    expect(sniffDelimiter('file;label;score\na.jpg;cat;0,95\nb.jpg;dog;1\n')).toBe(';');
    expect(sniffDelimiter('\n\n"a\tb",c\n"x;y",z\n')).toBe(',');
    expect(sniffDelimiter('a,b\nc;d,e\n')).toBe(',');
    expect(sniffDelimiter('"x\ny;z",w\n')).toBe(',');
  });

  it('falls back to the most frequent when none is on every line, and to a comma when there is none', () => {
    expect(sniffDelimiter('a;b;c\nd\ne,f\n')).toBe(';');
    expect(sniffDelimiter('just a name\n')).toBe(',');
  });
});
