/** Embedding Projector files, read back the way the Projector reads them: split on '\n', then on '\t'. */
import { describe, expect, it } from 'vitest';
import { metadataTsv, tsvText, vectorsTsv } from '../../../src/core/export/projectorTsv.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { INJECTION } from './sessionFixture.ts';

const projectorLines = (text: string) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.split('\t'));

describe('vectorsTsv', () => {
  it('reads back as the same float32 values, one line per vector, no header', () => {
    const r = seededRandom(2);
    const n = 7;
    const dim = 9;
    const x = Float32Array.from({ length: n * dim }, () => (r() - 0.5) * 10 ** Math.round(6 * r() - 3));
    x[3] = -0;
    const rows = projectorLines(vectorsTsv(x, n, dim));
    expect(rows).toHaveLength(n);
    for (const row of rows) expect(row).toHaveLength(dim);
    expect(Float32Array.from(rows.flat(), Number)).toEqual(x.map((v) => (Object.is(v, -0) ? 0 : v)));
    // Negative numbers are numbers: no guard.
    expect(rows.flat().some((v) => v.startsWith('-'))).toBe(true);
    expect(rows.flat().some((v) => v.startsWith("'"))).toBe(false);
    expect(() => vectorsTsv(x, n, dim + 1)).toThrow(/invalid vectors/);
  });
});

describe('metadataTsv', () => {
  it('writes a header row and one row per point; tabs and line breaks in values become spaces; formulas are guarded', () => {
    const text = metadataTsv(
      ['name', 'label', 'knor'],
      [
        ['a\tb\r\nc.png', 'cat', 0.5],
        [INJECTION, '-1', -0.25],
        ['plain.png', null, 1],
      ],
    );
    expect(projectorLines(text)).toEqual([
      ['name', 'label', 'knor'],
      ['a b c.png', 'cat', '0.5'],
      [`'${INJECTION}`, "'-1", '-0.25'],
      ['plain.png', '', '1'],
    ]);
    expect(tsvText('\tstarts with a tab')).toBe("' starts with a tab");
    expect(() => metadataTsv(['name'], [['x']])).toThrow(/single-column/);
    expect(() => metadataTsv(['a', 'b'], [['x']])).toThrow(/row 0: 1 cells for 2 columns/);
  });
});
