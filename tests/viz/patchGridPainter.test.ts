import { describe, expect, it } from 'vitest';
import { gridLinePositions, patchesRect } from '../../src/viz/patchGridPainter.ts';

describe('gridLinePositions', () => {
  it('puts a line between each pair of cells, or between blocks', () => {
    expect(gridLinePositions(4, 100)).toEqual([25, 50, 75]);
    expect(gridLinePositions(14, 224, 2)).toEqual([32, 64, 96, 128, 160, 192]);
    expect(gridLinePositions(1, 100)).toEqual([]);
    expect(gridLinePositions(4, 100, 4)).toEqual([]);
  });

  it('refuses a grid or block that is not a positive integer', () => {
    expect(() => gridLinePositions(0, 100)).toThrow(/invalid cells: 0/);
    expect(() => gridLinePositions(4, 100, 0)).toThrow(/invalid every: 0/);
  });
});

describe('patchesRect', () => {
  it('boxes the patches of one 2 x 2 block', () => {
    // 4 x 4 grid on 200 x 100: cells 50 x 25; patches 5, 6, 9, 10 are rows 1-2, cols 1-2.
    expect(patchesRect([5, 6, 9, 10], 200, 100, [4, 4])).toEqual({ x: 50, y: 25, w: 100, h: 50 });
    expect(patchesRect([15], 200, 100, [4, 4])).toEqual({ x: 150, y: 75, w: 50, h: 25 });
  });

  it('is null for no patches or only patches off the grid', () => {
    expect(patchesRect([], 200, 100, [4, 4])).toBeNull();
    expect(patchesRect([16, -1], 200, 100, [4, 4])).toBeNull();
  });
});
