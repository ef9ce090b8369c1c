/**
 * regions.csv and report.json's regions (core/export/regionsCsv.ts, sessionReport.ts): read back by
 * Python's csv module, each row carries the image's boxes and the statistics regionStats gives for
 * its losses (numbers round-trip exactly), names a spreadsheet would run are guarded, the pooled
 * result is a comment line; without regions neither file mentions them.
 */
import { describe, expect, it } from 'vitest';
import { REGIONS_CSV_HEADER, regionsCsv } from '../../../src/core/export/regionsCsv.ts';
import { SESSION_FILES, sessionFiles } from '../../../src/core/export/sessionBundle.ts';
import { sessionReport } from '../../../src/core/export/sessionReport.ts';
import type { SessionExport } from '../../../src/core/export/sessionExport.ts';
import { patchMask, pooledRegionStats, regionStats } from '../../../src/core/patches/regionAnalysis.ts';
import { pythonCsv } from './python.ts';
import { splitComments } from './rfc4180.ts';
import { GRID, INJECTION, sessionFixture } from './sessionFixture.ts';

function withRegions(): SessionExport {
  const s = sessionFixture();
  const r = s.reconstruction!;
  const t = GRID[0] * GRID[1];
  const boxesOf = {
    1: [{ x: 0, y: 0, width: 0.4, height: 0.6 }],
    2: [
      { x: 0.5, y: 0.4, width: 0.5, height: 0.6 },
      { x: 0, y: 0, width: 0.2, height: 0.2 },
    ],
  };
  const images = Object.entries(boxesOf).map(([i, boxes]) => {
    const index = Number(i);
    const losses = r.perPatch.subarray(index * t, (index + 1) * t);
    return { index, boxes, stats: regionStats(losses, patchMask(boxes, GRID, 1)), losses, mask: patchMask(boxes, GRID, 1) };
  });
  return { ...s, regions: { images: images.map(({ index, boxes, stats }) => ({ index, boxes, stats })), pooled: pooledRegionStats(images) } };
}

describe('regions.csv', () => {
  it('has one row per image with a region: boxes, statistics, p; the pooled result as a comment', () => {
    const s = withRegions();
    const text = regionsCsv(s)!;
    const rows = pythonCsv(text);
    expect(rows[0]).toEqual([...REGIONS_CSV_HEADER]);
    expect(rows).toHaveLength(3);
    s.regions!.images.forEach(({ index, stats }, i) => {
      const row = rows[i + 1]!;
      expect(row[0]).toBe(index === 2 ? `'${INJECTION}` : s.images[index]!.name);
      expect(Number(row[4])).toBe(stats!.meanInside);
      expect(Number(row[5])).toBe(stats!.meanOutside);
      expect(Number(row[9])).toBe(stats!.pValue);
      expect(row[10]).toBe(stats!.exact ? '1' : '0');
      expect([Number(row[2]), Number(row[3]), Number(row[7]), Number(row[8])]).toEqual([stats!.inside, stats!.patches, stats!.topInside, stats!.topCount]);
    });
    expect(rows[2]![1]).toBe('0.5 0.4 0.5 0.6; 0 0 0.2 0.2');
    const { comments } = splitComments(text);
    expect(comments.join('\n')).toContain(`pooled over 2 images: mean difference ${s.regions!.pooled!.meanDifference}`);
  });

  it('joins the session files and report.json only when there are regions', () => {
    const s = withRegions();
    expect(Object.keys(sessionFiles(s))).toContain(SESSION_FILES.regions);
    expect(sessionReport(s).regions?.images.map((e) => e.index)).toEqual([1, 2]);
    expect(sessionReport(s).regions?.pooled).toEqual(s.regions!.pooled);
    const plain = sessionFixture();
    expect(regionsCsv(plain)).toBeNull();
    expect(Object.keys(sessionFiles(plain))).not.toContain(SESSION_FILES.regions);
    expect(sessionReport(plain).regions).toBeNull();
  });
});
