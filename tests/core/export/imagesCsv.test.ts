/** images.csv read back by an independent RFC 4180 reader and by Python's csv module. */
import { describe, expect, it } from 'vitest';
import { IMAGES_CSV_HEADER, imagesCsv } from '../../../src/core/export/imagesCsv.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { pythonCsv } from './python.ts';
import { splitComments } from './rfc4180.ts';
import { FIXTURE_IMAGES, INJECTION, NOT_MEASURED, sessionFixture, SPLITS } from './sessionFixture.ts';

/** Neighbours of image i sharing its label, counted here from the lists (not via src/). */
function hitsOf(labels: readonly (string | null)[], lists: Int32Array, k: number, i: number): number | null {
  const label = labels[i];
  if (label === null || label === undefined) return null;
  let hits = 0;
  for (let a = 0; a < k; a++) if (labels[lists[i * k + a]!] === label) hits++;
  return hits;
}

describe('imagesCsv', () => {
  it('writes the provenance as comment lines, then one row per image', () => {
    const s = sessionFixture({ metric: 'l2', includeSelf: true, k: 4 });
    const { comments, records } = splitComments(imagesCsv(s));
    const provenance = comments.join('\n');
    for (const part of ['test pack, "v2"', s.pack.key, 'k: 4', 'squared L2', 'paper-compatible', '9.8.7-test', '2026-12-04T10:11:12.000Z'])
      expect(provenance).toContain(part);
    expect(records[0]).toEqual([...IMAGES_CSV_HEADER]);
    expect(records).toHaveLength(1 + FIXTURE_IMAGES.length);
  });

  it('gives each image its label, split, KNOR, label hits and loss; escapes names and labels a spreadsheet would run', () => {
    const s = sessionFixture();
    const { records } = splitComments(imagesCsv(s));
    const labels = s.images.map((image) => image.label);
    const { k, nnPre, nnPost } = s.knor;
    records.slice(1).forEach((row, i) => {
      const image = FIXTURE_IMAGES[i]!;
      const [name, label, split, knor, before, after, loss] = row;
      const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
      expect(name).toBe(guarded(image.name));
      expect(label).toBe(image.label === null ? '' : guarded(image.label));
      expect(split).toBe(SPLITS[i] ?? '');
      expect(Math.fround(Number(knor))).toBe(s.knor.perImage[i]);
      expect(knor).not.toMatch(/0000|9999/); // shortest float32 text, e.g. 0.6666667, not the float64 widening
      const hitsBefore = hitsOf(labels, nnPre, k, i);
      const hitsAfter = hitsOf(labels, nnPost, k, i);
      expect(before).toBe(hitsBefore === null ? '' : String(hitsBefore));
      expect(after).toBe(hitsAfter === null ? '' : String(hitsAfter));
      if (i === NOT_MEASURED) expect(loss).toBe('');
      else expect(Math.fround(Number(loss))).toBe(s.reconstruction!.perImage[i]);
    });
    expect(records[3]![0]).toBe(`'${INJECTION}`);
    expect(records[4]![1]).toBe("'-1");
    expect(records[5]![0]).toBe('tab\there\nand newline.png');
    // Some label is actually hit, or the hits columns would test nothing.
    expect(records.slice(1).some((row) => Number(row[4]) > 0)).toBe(true);
  });

  it('leaves split and loss empty without a reconstruction', () => {
    const { records } = splitComments(imagesCsv(sessionFixture({ reconstruction: 'none' })));
    for (const row of records.slice(1)) {
      expect(row[2]).toBe('');
      expect(row[6]).toBe('');
    }
  });

  it("reads the same with Python's csv module", (ctx) => {
    const why = whyNoToolsPython('csv');
    if (why) ctx.skip(why);
    const text = imagesCsv(sessionFixture());
    expect(pythonCsv(text)).toEqual(splitComments(text).records);
    expect(pythonCsv(text)[3]![0]).toBe(`'${INJECTION}`);
  });
});
