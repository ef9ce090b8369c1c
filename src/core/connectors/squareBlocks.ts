/**
 * The parts of a family module that follow from "one post token per r x r block of patches": the
 * MLP (r = 1), the patch merger, pixel shuffle, and any connector that pools square blocks. One
 * copy, so the families that share this geometry cannot drift apart.
 *
 * Patches and blocks are numbered row-major: patch = row * cols + col; block j sits at block row
 * floor(j / (cols / r)), block col j % (cols / r). For pixel shuffle this is exactly the order of
 * HF Idefics3's pixel_shuffle (tests/core/geometry checks it on the real reshape/permute sequence),
 * and within a block patches are listed in the order their features are concatenated.
 */
import { asPatchIndex, type PatchIndex } from '../types.ts';
import type { AnyConnectorSpec, FamilyGeometry, FamilyManifestRule, Grid } from './family.ts';

/** Geometry and manifest rule of a family whose post token j is the j-th r x r block, r = sideOf(spec). */
export function squareBlocks<S extends AnyConnectorSpec>(
  sideOf: (spec: S) => number,
): { readonly geometry: FamilyGeometry<S>; readonly manifest: FamilyManifestRule<S> } {
  const divides = (r: number, grid: Grid) => grid[0] % r === 0 && grid[1] % r === 0;
  return {
    geometry: {
      fixedRegions: true,
      blockSide: sideOf,
      problem(spec, grid) {
        const r = sideOf(spec);
        if (!(Number.isInteger(r) && r >= 1)) return `invalid ${spec.family} block size: ${r} (expected a positive integer)`;
        if (!divides(r, grid)) return `invalid grid: [${grid.join(', ')}] is not divisible by the ${spec.family} block size ${r}`;
        return null;
      },
      postTokenCount(spec, grid) {
        const r = sideOf(spec);
        return (grid[0] / r) * (grid[1] / r);
      },
      patchesOf(spec, grid, j) {
        const r = sideOf(spec);
        const blocksPerRow = grid[1] / r;
        const top = Math.floor(j / blocksPerRow) * r;
        const left = (j % blocksPerRow) * r;
        const out: PatchIndex[] = [];
        for (let dy = 0; dy < r; dy++) for (let dx = 0; dx < r; dx++) out.push(asPatchIndex((top + dy) * grid[1] + left + dx));
        return out;
      },
      postTokenOf(spec, grid, patch) {
        const r = sideOf(spec);
        const row = Math.floor(patch / grid[1]);
        const col = patch % grid[1];
        return Math.floor(row / r) * (grid[1] / r) + Math.floor(col / r);
      },
    },
    manifest: {
      postTokensFrom: (spec, pre) => pre / sideOf(spec) ** 2,
      parameterMisfit: (spec, grid) => (divides(sideOf(spec), grid) ? null : `a divisor of the grid [${grid.join(', ')}]`),
    },
  };
}

const exactSqrt = (n: number): number | null => {
  const r = Math.round(Math.sqrt(n));
  return r * r === n ? r : null;
};

/**
 * The block side r for which r x r blocks of `grid` turn `pre` tokens into `post` (pre / post = r²,
 * r dividing both grid sides); null when no square blocks do. Stock exports are read with it.
 */
export function blockSideFromTokens(grid: Grid, pre: number, post: number): number | null {
  const r = pre % post === 0 ? exactSqrt(pre / post) : null;
  return r !== null && grid[0] % r === 0 && grid[1] % r === 0 ? r : null;
}
