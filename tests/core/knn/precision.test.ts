/** precision@k against hand-computed values and a direct reference, including unlabelled images; its ceiling against the best possible lists. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kNearest } from '../../../src/core/knn/nearest.ts';
import { labelIds, precisionAtK, precisionCeiling, UNLABELED } from '../../../src/core/knn/precision.ts';

describe('precisionAtK', () => {
  it('is the share of the k neighbours with the query label, by hand', () => {
    // Points 0, 1, 2 | 10, 11 on a line, labels a a b | b b. k = 2.
    // 0 -> {1, 2}: a, b -> 0.5; 1 -> {0, 2}: 0.5; 2 -> {1, 0}: 0; 10 -> {11, 2}: 1; 11 -> {10, 2}: 1.
    const nn = kNearest(Float32Array.of(0, 1, 2, 10, 11), 5, 1, 2, 'l2');
    expect(Array.from(nn)).toEqual([1, 2, 0, 2, 1, 0, 4, 2, 3, 2]);
    const p = precisionAtK(nn, 5, 2, Int32Array.of(0, 0, 1, 1, 1));
    expect(Array.from(p.perImage)).toEqual([0.5, 0.5, 0, 1, 1]);
    expect(p.mean).toBeCloseTo(3 / 5, 12);
    expect(p.labelled).toBe(5);
  });

  it('leaves unlabelled queries out (NaN) and counts unlabelled neighbours as misses', () => {
    const nn = Int32Array.of(1, 2, 0, 2, 0, 1);
    const p = precisionAtK(nn, 3, 2, Int32Array.of(4, UNLABELED, 4));
    expect(p.perImage[0]).toBe(0.5); // neighbours 1 (unlabelled: miss) and 2 (hit)
    expect(Number.isNaN(p.perImage[1])).toBe(true);
    expect(p.perImage[2]).toBe(0.5);
    expect(p.mean).toBe(0.5);
    expect(p.labelled).toBe(2);
    const none = precisionAtK(nn, 3, 2, new Int32Array(3).fill(UNLABELED));
    expect(Number.isNaN(none.mean)).toBe(true);
    expect(none.labelled).toBe(0);
  });

  it('counts self as a hit when the lists include it (paper-compatible)', () => {
    const nn = kNearest(Float32Array.of(0, 1, 5, 6), 4, 1, 2, 'l2', true); // each: self, partner
    expect(precisionAtK(nn, 4, 2, Int32Array.of(0, 1, 2, 3)).mean).toBe(0.5);
  });

  it('equals a direct reference on random lists and labels', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 12 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n - 1 }),
              fc.array(fc.integer({ min: -1, max: 3 }), { minLength: n, maxLength: n }),
              fc.integer(),
            ),
          ),
        ([n, k, labels, seed]) => {
          const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(seed + i * 3.1));
          const nn = kNearest(x, n, 2, k, 'cosine');
          const got = precisionAtK(nn, n, k, Int32Array.from(labels));
          const per = labels.map((l, i) => (l < 0 ? null : Array.from(nn.subarray(i * k, (i + 1) * k)).filter((j) => labels[j] === l).length / k));
          const valid = per.filter((v): v is number => v !== null);
          per.forEach((v, i) => (v === null ? expect(Number.isNaN(got.perImage[i])).toBe(true) : expect(got.perImage[i]).toBe(Math.fround(v))));
          if (valid.length === 0) expect(Number.isNaN(got.mean)).toBe(true);
          else expect(got.mean).toBeCloseTo(valid.reduce((s, v) => s + v, 0) / valid.length, 12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('validates its arguments', () => {
    expect(() => precisionAtK(Int32Array.of(1, 0), 2, 1, Int32Array.of(0))).toThrow('invalid labels: expected 2 entries (one per image), got 1');
    expect(() => precisionAtK(Int32Array.of(1, 0), 2, 1, Int32Array.of(0, -2))).toThrow(
      'invalid labels: entry 1 is -2, expected a label id >= 0 or -1 (unlabelled)',
    );
    expect(() => precisionAtK(Int32Array.of(1, 2), 2, 1, Int32Array.of(0, 0))).toThrow(/entry 1 \(image 1\) is 2, expected 0\.\.1/);
  });
});

describe('precisionCeiling', () => {
  /** Lists that put every same-label image first (self first when counted): the best any embedding can do. */
  function bestLists(labels: readonly number[], k: number, includeSelf: boolean): Int32Array {
    const n = labels.length;
    const out = new Int32Array(n * k);
    labels.forEach((label, i) => {
      const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
      const same = others.filter((j) => label >= 0 && labels[j] === label);
      const rest = others.filter((j) => !same.includes(j));
      const order = [...(includeSelf ? [i] : []), ...same, ...rest];
      out.set(order.slice(0, k), i * k);
    });
    return out;
  }

  it('equals the precision of the best possible lists, and bounds every real one', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 14 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n - 2 }),
              fc.array(fc.integer({ min: -1, max: 3 }), { minLength: n, maxLength: n }),
              fc.boolean(),
              fc.integer(),
            ),
          ),
        ([n, k, labels, includeSelf, seed]) => {
          const ids = Int32Array.from(labels);
          const ceiling = precisionCeiling(ids, k, includeSelf);
          const best = precisionAtK(bestLists(labels, k, includeSelf), n, k, ids);
          if (Number.isNaN(best.mean)) expect(Number.isNaN(ceiling.mean)).toBe(true);
          else expect(ceiling.mean).toBeCloseTo(best.mean, 6);
          const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(seed + i * 3.1));
          const real = precisionAtK(kNearest(x, n, 2, k, 'cosine', includeSelf), n, k, ids);
          if (!Number.isNaN(real.mean)) expect(real.mean).toBeLessThanOrEqual(ceiling.mean + 1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts the queries whose class cannot fill k, by hand', () => {
    // Classes of 3, 2 and 1 images and one unlabelled: at k = 2 without self only the class of 3 fills k.
    const labels = Int32Array.of(0, 0, 0, 1, 1, 2, UNLABELED);
    const c = precisionCeiling(labels, 2, false);
    expect(c.limited).toBe(3);
    expect(c.smallestClass).toBe(1);
    expect(c.mean).toBeCloseTo((1 + 1 + 1 + 0.5 + 0.5 + 0) / 6, 12);
    // Counting self, the class of 2 fills k = 2 too.
    expect(precisionCeiling(labels, 2, true).limited).toBe(1);
    expect(() => precisionCeiling(labels, 0, false)).toThrow(/invalid k/);
  });
});

describe('labelIds', () => {
  it('numbers names in order of first appearance; empty and missing names are unlabelled', () => {
    const { ids, classes } = labelIds(['cat', 'dog', null, 'cat', '', undefined, 'emu']);
    expect(Array.from(ids)).toEqual([0, 1, -1, 0, -1, -1, 2]);
    expect(classes).toEqual(['cat', 'dog', 'emu']);
  });
});
