/** report.json: every per-image number and the summary, checked against values computed here from the inputs. */
import { describe, expect, it } from 'vitest';
import { sessionReportJson, type SessionReport } from '../../../src/core/export/sessionReport.ts';
import { knor as knorOf } from '../../../src/core/knn/knor.ts';
import { NOT_MEASURED, sessionFixture, SPLITS } from './sessionFixture.ts';

describe('sessionReport', () => {
  it('holds each image and the summary as numbers, null where nothing was measured', () => {
    const s = sessionFixture({ metric: 'l2', k: 3 });
    const report = JSON.parse(sessionReportJson(s)) as SessionReport;
    const { k, nnPre, nnPost, perImage } = s.knor;
    const n = s.images.length;
    expect(report.pack).toEqual({ name: s.pack.name, key: s.pack.key });
    expect(report.appVersion).toBe('9.8.7-test');
    expect(report.settings).toMatchObject({ k: 3, metric: 'l2', includeSelf: false });
    expect(report.images).toHaveLength(n);

    let precisionBefore = 0;
    let precisionAfter = 0;
    let labelled = 0;
    report.images.forEach((row, i) => {
      const image = s.images[i]!;
      expect(row).toMatchObject({ index: i, name: image.name, contentHash: image.contentHash, label: image.label, split: SPLITS[i] ?? null });
      expect(Math.fround(row.knor)).toBe(perImage[i]);
      expect(row.neighbours.before).toEqual(Array.from(nnPre.subarray(i * k, (i + 1) * k)));
      expect(row.neighbours.after).toEqual(Array.from(nnPost.subarray(i * k, (i + 1) * k)));
      const pre = s.pooled.pre;
      const dim = s.pooled.dPre;
      row.neighbours.before.forEach((j, r) => {
        let d = 0;
        for (let c = 0; c < dim; c++) d += (pre[i * dim + c]! - pre[j * dim + c]!) ** 2;
        expect(row.distances.before[r]).toBeCloseTo(d, 12);
      });
      if (image.label === null) {
        expect(row.precisionHits).toBeNull();
      } else {
        const hits = (lists: number[]) => lists.filter((j) => s.images[j]!.label === image.label).length;
        expect(row.precisionHits).toEqual({ before: hits(row.neighbours.before), after: hits(row.neighbours.after) });
        precisionBefore += hits(row.neighbours.before) / k;
        precisionAfter += hits(row.neighbours.after) / k;
        labelled++;
      }
      if (i === NOT_MEASURED) expect(row.imageLoss).toBeNull();
      else expect(Math.fround(row.imageLoss!)).toBe(s.reconstruction!.perImage[i]);
    });

    const loss = s.reconstruction!.perImage;
    const measured = Array.from(loss).filter((_, i) => i !== NOT_MEASURED);
    const validation = Array.from(loss).filter((_, i) => SPLITS[i] === 'validation');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(report.summary.images).toBe(n);
    expect(report.summary.labelled).toBe(labelled);
    // Exactly knn/knor.ts's mean (float64 over shared / k), not the mean of the float32 values.
    const knor = knorOf(s.knor.nnPre, s.knor.nnPost, n, k);
    expect(report.summary.meanKnor).toBe(knor.mean);
    expect(report.summary.meanKnor).toBeCloseTo(mean(Array.from(perImage)), 6);
    expect(report.summary.precisionAtK.before).toBeCloseTo(precisionBefore / labelled, 6);
    expect(report.summary.precisionAtK.after).toBeCloseTo(precisionAfter / labelled, 6);
    expect(report.summary.meanLoss).toBeCloseTo(mean(measured), 12);
    expect(report.summary.meanLossValidation).toBeCloseTo(mean(validation), 12);
    expect(report.summary.patchGrid).toEqual([2, 3]);
    expect(report.summary.reconstructor).toContain('token-mixing');
  });

  it('says null for the losses and precision it has no data for', () => {
    const s = sessionFixture({ reconstruction: 'none' });
    const unlabelled = { ...s, images: s.images.map((image) => ({ ...image, label: null })) };
    const report = JSON.parse(sessionReportJson(unlabelled)) as SessionReport;
    expect(report.summary).toMatchObject({
      labelled: 0,
      precisionAtK: { before: null, after: null },
      meanLoss: null,
      meanLossValidation: null,
      reconstructor: null,
      patchGrid: null,
    });
    for (const row of report.images) expect(row).toMatchObject({ precisionHits: null, imageLoss: null, split: null });
  });
});
