/**
 * Patch-grid geometry of each connector family: regions partition the grid, the inverse agrees,
 * and pixel shuffle matches the patches HF Idefics3's pixel_shuffle really gathers (run on a tiny
 * tensor library below, with features that record where they came from).
 */
import { describe, expect, it } from 'vitest';
import { blockSize, patchesOfPostToken, postTokenCount, postTokenOfPatch, tokenRouting, type Grid } from '../../../src/core/geometry/connectorGeometry.ts';
import type { ConnectorSpec } from '../../../src/core/types.ts';

/** A contiguous row-major tensor with torch's view/reshape and permute semantics. */
class Tensor {
  constructor(
    readonly shape: readonly number[],
    readonly data: readonly number[],
  ) {
    expect(shape.reduce((a, b) => a * b, 1)).toBe(data.length);
  }
  reshape(...shape: number[]): Tensor {
    return new Tensor(shape, this.data); // contiguous: same element order
  }
  permute(...axes: number[]): Tensor {
    const shape = axes.map((a) => this.shape[a]!);
    const strides = this.shape.map((_, i) => this.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const out: number[] = [];
    const index = new Array<number>(shape.length).fill(0);
    for (let n = 0; n < this.data.length; n++) {
      let src = 0;
      axes.forEach((a, i) => (src += index[i]! * strides[a]!));
      out.push(this.data[src]!);
      for (let i = shape.length - 1; i >= 0; i--) {
        if (++index[i]! < shape[i]!) break;
        index[i] = 0;
      }
    }
    return new Tensor(shape, out);
  }
}

/** transformers' Idefics3Connector.pixel_shuffle, line for line. */
function idefics3PixelShuffle(x: Tensor, scale: number): Tensor {
  const [bsz, seq, embed] = x.shape as [number, number, number];
  const height = Math.trunc(Math.sqrt(seq));
  const width = height;
  let t = x.reshape(bsz, height, width, embed);
  t = t.reshape(bsz, height, width / scale, embed * scale);
  t = t.permute(0, 2, 1, 3);
  t = t.reshape(bsz, width / scale, height / scale, embed * scale * scale);
  t = t.permute(0, 2, 1, 3);
  return t.reshape(bsz, seq / (scale * scale), embed * scale * scale);
}

describe('pixel shuffle matches HF Idefics3 pixel_shuffle', () => {
  it.each([
    [12, 2, 1],
    [12, 3, 2],
    [12, 4, 3],
    [14, 7, 2],
    [24, 2, 2],
  ])('side %i, scale %i, feature dim %i: token j is made of patchesOfPostToken(j), chunk by chunk', (side, r, d) => {
    const seq = side * side;
    // Feature c of patch p holds p * d + c, so every output value says which patch it came from.
    const input = new Tensor(
      [1, seq, d],
      Array.from({ length: seq * d }, (_, i) => i),
    );
    const out = idefics3PixelShuffle(input, r);
    const spec: ConnectorSpec = { family: 'pixel-shuffle', scale: r };
    const grid: Grid = [side, side];
    expect(out.shape).toEqual([1, postTokenCount(spec, grid), d * r * r]);
    const width = d * r * r;
    for (let j = 0; j < out.shape[1]!; j++) {
      const row = out.data.slice(j * width, (j + 1) * width);
      const chunkPatches: number[] = [];
      for (let q = 0; q < r * r; q++) {
        const chunk = row.slice(q * d, (q + 1) * d);
        const patch = Math.floor(chunk[0]! / d);
        // Each d-wide chunk is one whole patch's feature vector, in order.
        expect(chunk).toEqual(Array.from({ length: d }, (_, c) => patch * d + c));
        chunkPatches.push(patch);
      }
      expect(chunkPatches).toEqual(patchesOfPostToken(spec, grid, j));
      expect(new Set(chunkPatches)).toEqual(new Set(patchesOfPostToken(spec, grid, j)));
    }
  });
});

describe.each<[string, ConnectorSpec, Grid, number]>([
  ['mlp 14x14', { family: 'mlp' }, [14, 14], 196],
  ['mlp 3x5', { family: 'mlp' }, [3, 5], 15],
  ['merger 2 on 14x14', { family: 'merger', mergeSize: 2 }, [14, 14], 49],
  ['merger 2 on 4x8', { family: 'merger', mergeSize: 2 }, [4, 8], 8],
  ['merger 3 on 6x9', { family: 'merger', mergeSize: 3 }, [6, 9], 6],
  ['pixel-shuffle 2 on 14x14', { family: 'pixel-shuffle', scale: 2 }, [14, 14], 49],
  ['pixel-shuffle 7 on 14x14', { family: 'pixel-shuffle', scale: 7 }, [14, 14], 4],
  ['pixel-shuffle 4 on 8x12', { family: 'pixel-shuffle', scale: 4 }, [8, 12], 6],
  ['pixel-shuffle 1 on 2x2', { family: 'pixel-shuffle', scale: 1 }, [2, 2], 4],
])('%s', (_, spec, grid, count) => {
  it(`has ${count} post tokens whose regions partition the grid into r x r squares, and inverts`, () => {
    const r = blockSize(spec)!;
    expect(postTokenCount(spec, grid)).toBe(count);
    const seen = new Int32Array(grid[0] * grid[1]);
    for (let j = 0; j < count; j++) {
      const region = patchesOfPostToken(spec, grid, j);
      expect(region.length).toBe(r * r);
      const rows = region.map((p) => Math.floor(p / grid[1]));
      const cols = region.map((p) => p % grid[1]);
      // A contiguous r x r square, listed row-major, and blocks themselves row-major.
      expect(Math.max(...rows) - Math.min(...rows)).toBe(r - 1);
      expect(Math.max(...cols) - Math.min(...cols)).toBe(r - 1);
      expect([...region].sort((a, b) => a - b)).toEqual(region);
      expect(Math.min(...rows)).toBe(Math.floor(j / (grid[1] / r)) * r);
      expect(Math.min(...cols)).toBe((j % (grid[1] / r)) * r);
      for (const p of region) {
        seen[p]! += 1;
        expect(postTokenOfPatch(spec, grid, p)).toBe(j);
      }
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });
});

describe('hand-computed regions', () => {
  it('mlp token j is patch j', () => {
    expect(patchesOfPostToken({ family: 'mlp' }, [14, 14], 37)).toEqual([37]);
    expect(postTokenOfPatch({ family: 'mlp' }, [14, 14], 37)).toBe(37);
  });

  it('merger token 8 of a 14x14 grid covers rows 2-3, cols 2-3', () => {
    // 7 blocks per row: token 8 is block row 1, block col 1 -> patches (2,2) (2,3) (3,2) (3,3).
    expect(patchesOfPostToken({ family: 'merger', mergeSize: 2 }, [14, 14], 8)).toEqual([30, 31, 44, 45]);
  });

  it('pixel shuffle 3 on a 6x6 grid: token 3 is the bottom-right 3x3 block', () => {
    expect(patchesOfPostToken({ family: 'pixel-shuffle', scale: 3 }, [6, 6], 3)).toEqual([21, 22, 23, 27, 28, 29, 33, 34, 35]);
    expect(postTokenOfPatch({ family: 'pixel-shuffle', scale: 3 }, [6, 6], 20)).toBe(2);
  });
});

describe('perceiver geometry', () => {
  it('has one token per query and no fixed region', () => {
    const spec: ConnectorSpec = { family: 'perceiver', queries: 16 };
    expect(blockSize(spec)).toBeNull();
    expect(postTokenCount(spec, [14, 14])).toBe(16);
    expect(patchesOfPostToken(spec, [14, 14], 3)).toEqual([]);
    expect(postTokenOfPatch(spec, [14, 14], 100)).toBeNull();
    expect(() => patchesOfPostToken(spec, [14, 14], 16)).toThrow('invalid post token: 16 (expected 0..15)');
  });
});

describe('validation', () => {
  it('names the problem', () => {
    expect(() => postTokenCount({ family: 'merger', mergeSize: 3 }, [14, 14])).toThrow('invalid grid: [14, 14] is not divisible by the merger block size 3');
    expect(() => postTokenCount({ family: 'pixel-shuffle', scale: 4 }, [8, 6])).toThrow(
      'invalid grid: [8, 6] is not divisible by the pixel-shuffle block size 4',
    );
    expect(() => patchesOfPostToken({ family: 'mlp' }, [14, 14], 196)).toThrow('invalid post token: 196 (expected 0..195)');
    expect(() => postTokenOfPatch({ family: 'mlp' }, [14, 14], -1)).toThrow('invalid patch: -1 (expected 0..195)');
    expect(() => postTokenCount({ family: 'mlp' }, [0, 3])).toThrow('invalid grid: [0, 3]');
    expect(() => postTokenCount({ family: 'merger', mergeSize: 0 }, [4, 4])).toThrow(/invalid merger block size: 0/);
  });
});

describe('tokenRouting', () => {
  it('is postTokenOfPatch for every patch, -1 where no post token is fixed', () => {
    expect(Array.from(tokenRouting({ family: 'merger', mergeSize: 2 }, [4, 4]))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    expect(Array.from(tokenRouting({ family: 'mlp' }, [2, 3]))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(tokenRouting({ family: 'perceiver', queries: 4 }, [2, 2]))).toEqual([-1, -1, -1, -1]);
  });
});
