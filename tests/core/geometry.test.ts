/** Patch-grid geometry of each connector family, checked against index bookkeeping of the real ops. */
import { describe, expect, it } from 'vitest';
import { patchesOfPostToken, postTokenCount, postTokenOfPatch, type Grid } from '../../src/core/geometry/connectorGeometry.ts';
import type { ConnectorSpec } from '../../src/core/types.ts';

const grid: Grid = [14, 14];

/**
 * HF Idefics3 pixel_shuffle run on patch *labels* instead of features: view [h,w,1] ->
 * [h, w/r, r] -> permute -> [w/r, h/r, r*r] -> permute -> [(h/r)(w/r), r*r]. Returns, per output
 * token, the patch labels its channels came from.
 */
function idefics3PixelShuffleSources(h: number, w: number, r: number): number[][] {
  // x[i][j] = patch label i*w + j; each step is written as explicit index arithmetic.
  const step1 = (i: number, jp: number, c: number) => i * w + jp * r + c; // [h, w/r, r]
  const step2 = (jp: number, i: number, c: number) => step1(i, jp, c); // permute(0,2,1,3): [w/r, h, r]
  const step3 = (jp: number, ip: number, c: number) => step2(jp, ip * r + Math.floor(c / r), c % r); // reshape [w/r, h/r, r*r]
  const step4 = (ip: number, jp: number, c: number) => step3(jp, ip, c); // permute: [h/r, w/r, r*r]
  const out: number[][] = [];
  for (let ip = 0; ip < h / r; ip++) for (let jp = 0; jp < w / r; jp++) out.push(Array.from({ length: r * r }, (_, c) => step4(ip, jp, c)));
  return out;
}

describe.each<[string, ConnectorSpec, number]>([
  ['mlp', { family: 'mlp' }, 196],
  ['merger', { family: 'merger', mergeSize: 2 }, 49],
  ['pixel-shuffle r=2', { family: 'pixel-shuffle', scale: 2 }, 49],
  ['pixel-shuffle r=7', { family: 'pixel-shuffle', scale: 7 }, 4],
])('%s', (_, spec, count) => {
  it(`has ${count} post tokens whose regions partition the grid`, () => {
    expect(postTokenCount(spec, grid)).toBe(count);
    const seen = new Int32Array(196);
    for (let j = 0; j < count; j++) {
      for (const p of patchesOfPostToken(spec, grid, j)) {
        seen[p]! += 1;
        expect(postTokenOfPatch(spec, grid, p)).toBe(j);
      }
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });
});

describe('pixel shuffle geometry', () => {
  it('matches the patches HF Idefics3 pixel_shuffle actually gathers, in channel order', () => {
    for (const r of [2, 7]) {
      const sources = idefics3PixelShuffleSources(14, 14, r);
      sources.forEach((labels, j) => expect(patchesOfPostToken({ family: 'pixel-shuffle', scale: r }, grid, j)).toEqual(labels));
    }
  });
});

describe('merger geometry', () => {
  it('token 8 of a 14x14 grid covers rows 2-3, cols 2-3 (hand-computed)', () => {
    expect(patchesOfPostToken({ family: 'merger', mergeSize: 2 }, grid, 8)).toEqual([30, 31, 44, 45]);
  });
});

describe('perceiver geometry', () => {
  it('has one token per query and no fixed region', () => {
    const spec: ConnectorSpec = { family: 'perceiver', queries: 16 };
    expect(postTokenCount(spec, grid)).toBe(16);
    expect(patchesOfPostToken(spec, grid, 3)).toEqual([]);
    expect(postTokenOfPatch(spec, grid, 100)).toBeNull();
  });
});

describe('validation', () => {
  it('names the problem', () => {
    expect(() => postTokenCount({ family: 'merger', mergeSize: 3 }, grid)).toThrow(/not divisible by the merger block size 3/);
    expect(() => patchesOfPostToken({ family: 'mlp' }, grid, 196)).toThrow(/invalid post token: 196/);
    expect(() => postTokenOfPatch({ family: 'mlp' }, grid, -1)).toThrow(/invalid patch/);
  });
});
