/**
 * Region analysis (core/patches/regionAnalysis.ts) against numpy on the same per-patch losses and
 * boxes: the mask (patch centres in boxes, computed there independently), the means inside and
 * outside, the top-decile share, and the permutation p-value, which numpy gets by enumerating every
 * arrangement (itertools.combinations): equal exactly where the app enumerates too, and within four
 * standard errors where the app draws 10,000 random arrangements. Pooled: the statistics as numpy
 * averages them, and a planted effect found while no effect is not.
 */
import { describe, expect, it } from 'vitest';
import { cropBoxOf, patchMask, pooledRegionStats, regionStats, PERMUTATIONS, type RegionBox } from '../../../src/core/patches/regionAnalysis.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { runPython } from '../export/python.ts';

const NUMPY_REGION = `import itertools, json, sys, numpy as np
case = json.loads(sys.argv[1])
losses = np.array(case['losses'], dtype=np.float64)
rows, cols = case['grid']
size = case['size']
r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing='ij')
cy, cx = (r.ravel() + 0.5) * size / rows, (c.ravel() + 0.5) * size / cols
mask = np.zeros(rows * cols, dtype=bool)
for b in case['boxes']:
    mask |= (cx >= b['x']) & (cx <= b['x'] + b['width']) & (cy >= b['y']) & (cy <= b['y'] + b['height'])
m, t = int(mask.sum()), len(losses)
diff = losses[mask].mean() - losses[~mask].mean()
top = np.argsort(-losses, kind='stable')[: int(np.ceil(0.1 * t))]
out = {'mask': mask.astype(int).tolist(), 'meanInside': losses[mask].mean(), 'meanOutside': losses[~mask].mean(),
       'difference': diff, 'topInside': int(mask[top].sum()), 'topCount': len(top)}
if case.get('enumerate'):
    total = losses.sum()
    sums = np.array([losses[list(s)].sum() for s in itertools.combinations(range(t), m)])
    diffs = sums / m - (total - sums) / (t - m)
    out['exactP'] = float((diffs >= diff - 1e-12 * max(1, abs(diff))).mean())
print(json.dumps(out))`;

function numpyRegion(losses: Float32Array, grid: [number, number], size: number, boxes: RegionBox[], enumerate: boolean) {
  const out = runPython(NUMPY_REGION, [JSON.stringify({ losses: Array.from(losses), grid, size, boxes, enumerate })]);
  return JSON.parse(out) as {
    mask: number[];
    meanInside: number;
    meanOutside: number;
    difference: number;
    topInside: number;
    topCount: number;
    exactP?: number;
  };
}

const randomLosses = (n: number, seed: number) => {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() ** 2);
};

describe('one image against numpy', () => {
  it.each([
    {
      name: '3 x 4 grid, one box (exact p: 495 arrangements)',
      grid: [3, 4] as [number, number],
      size: 48,
      boxes: [{ x: 0, y: 0, width: 24, height: 30 }],
      enumerate: true,
    },
    {
      name: '4 x 5 grid, two boxes (exact p: 15,504 arrangements)',
      grid: [4, 5] as [number, number],
      size: 100,
      boxes: [
        { x: 0, y: 0, width: 25, height: 30 },
        { x: 55, y: 70, width: 40, height: 30 },
      ],
      enumerate: true,
    },
    {
      name: '5 x 6 grid (random p: 593,775 arrangements)',
      grid: [5, 6] as [number, number],
      size: 120,
      boxes: [{ x: 30, y: 20, width: 45, height: 50 }],
      enumerate: true,
    },
    {
      name: '14 x 14 grid, the default pack (random p)',
      grid: [14, 14] as [number, number],
      size: 224,
      boxes: [{ x: 60, y: 40, width: 90, height: 70 }],
      enumerate: false,
    },
  ])(
    '$name',
    ({ grid, size, boxes, enumerate }) => {
      const t = grid[0] * grid[1];
      const losses = randomLosses(t, t);
      const mask = patchMask(boxes, grid, size);
      const want = numpyRegion(losses, grid, size, boxes, enumerate);
      expect(Array.from(mask)).toEqual(want.mask);
      const got = regionStats(losses, mask)!;
      expect(got.inside).toBe(want.mask.filter(Boolean).length);
      expect(got.meanInside).toBeCloseTo(want.meanInside, 12);
      expect(got.meanOutside).toBeCloseTo(want.meanOutside, 12);
      expect(got.difference).toBeCloseTo(want.difference, 12);
      expect([got.topInside, got.topCount]).toEqual([want.topInside, want.topCount]);
      if (want.exactP === undefined) return;
      if (got.exact) expect(got.pValue).toBeCloseTo(want.exactP, 12);
      else {
        const standardError = Math.sqrt((want.exactP * (1 - want.exactP)) / PERMUTATIONS);
        expect(Math.abs(got.pValue - want.exactP)).toBeLessThanOrEqual(4 * standardError + 1 / PERMUTATIONS);
      }
    },
    60_000,
  );

  it('finds a planted effect (high loss under the box) and not the same losses under a box elsewhere', () => {
    const grid: [number, number] = [14, 14];
    const box = { x: 64, y: 64, width: 64, height: 64 };
    const mask = patchMask([box], grid, 224);
    const losses = randomLosses(196, 5).map((v, i) => (mask[i] ? v + 2 : v));
    const planted = regionStats(losses, mask)!;
    expect(planted.pValue).toBe(1 / (1 + PERMUTATIONS));
    // 16 patches inside, all above every patch outside: all 16 are in the top 20 (ceil(196 / 10)).
    expect([planted.inside, planted.topInside, planted.topCount]).toEqual([16, 16, 20]);
    const elsewhere = regionStats(losses, patchMask([{ x: 0, y: 150, width: 60, height: 70 }], grid, 224))!;
    expect(elsewhere.difference).toBeLessThan(0);
    expect(elsewhere.pValue).toBeGreaterThan(0.9);
  });

  it('has nothing to say about an empty region or one that covers the whole image', () => {
    const losses = randomLosses(12, 1);
    expect(regionStats(losses, new Uint8Array(12))).toBeNull();
    expect(regionStats(losses, new Uint8Array(12).fill(1))).toBeNull();
    expect(() => regionStats(losses, new Uint8Array(11))).toThrow(RangeError);
  });
});

describe('boxes in the original image moved into the crop', () => {
  // 300 x 200 with shortest edge to 224: resized 336 x 224, the crop starts 56 px in from the left.
  const original = { width: 300, height: 200 };
  const resized: [number, number] = [336, 224];
  it('scales, shifts by the centre crop and clips', () => {
    expect(cropBoxOf({ x: 0, y: 0, width: 300, height: 200 }, original, resized, 224)).toEqual({ x: 0, y: 0, width: 224, height: 224 });
    const box = cropBoxOf({ x: 100, y: 50, width: 50, height: 100 }, original, resized, 224)!;
    expect(box.x).toBeCloseTo(100 * 1.12 - 56, 9);
    expect(box.y).toBeCloseTo(56, 9);
    expect(box.width).toBeCloseTo(56, 9);
    expect(box.height).toBeCloseTo(112, 9);
    // Cut off at the crop's right edge: 280..336 in the resized image, the crop ends at 280.
    expect(cropBoxOf({ x: 260, y: 0, width: 40, height: 10 }, original, resized, 224)).toBeNull();
  });
});

describe('pooled over images', () => {
  const grid: [number, number] = [14, 14];
  const boxes = [
    { x: 0, y: 0, width: 80, height: 80 },
    { x: 100, y: 120, width: 100, height: 90 },
    { x: 40, y: 60, width: 150, height: 40 },
  ];
  const rows = boxes.map((box, i) => ({ losses: randomLosses(196, 40 + i), mask: patchMask([box], grid, 224) }));

  it('averages the per-image differences and counts the top decile over all images', () => {
    const pooled = pooledRegionStats(rows)!;
    const each = rows.map((r) => regionStats(r.losses, r.mask)!);
    expect(pooled.images).toBe(3);
    expect(pooled.meanDifference).toBeCloseTo(each.reduce((s, e) => s + e.difference, 0) / 3, 12);
    expect(pooled.topShare).toBeCloseTo(each.reduce((s, e) => s + e.topInside, 0) / each.reduce((s, e) => s + e.topCount, 0), 12);
    expect(pooled.insideShare).toBeCloseTo(each.reduce((s, e) => s + e.inside, 0) / (3 * 196), 12);
    // No effect planted: not significant.
    expect(pooled.pValue).toBeGreaterThan(0.05);
  });

  it('finds an effect planted in every image, and with one image gives that image’s own p', () => {
    const planted = rows.map((r) => ({ mask: r.mask, losses: r.losses.map((v, i) => (r.mask[i] ? v + 0.3 : v)) }));
    expect(pooledRegionStats(planted)!.pValue).toBe(1 / (1 + PERMUTATIONS));
    const one = rows[0]!;
    expect(pooledRegionStats([one])!.pValue).toBe(regionStats(one.losses, one.mask)!.pValue);
    // Per-image statistics handed in are used as they are: the same answer as computing them here.
    expect(pooledRegionStats([{ ...one, stats: regionStats(one.losses, one.mask) }])).toEqual(pooledRegionStats([one]));
    expect(pooledRegionStats([{ losses: one.losses, mask: new Uint8Array(196) }])).toBeNull();
  });
});
