/**
 * How post-projection tokens relate to the encoder's patch grid (docs/method.md's table): MLP 1:1,
 * merger and pixel shuffle one token per r x r block, perceiver no fixed region (its queries
 * attend to every patch). Each family's rule lives in its module (core/connectors/); this file
 * holds what every family shares: the grid check, the index ranges and the routing built from them.
 *
 * Patches are numbered row-major: patch = row * cols + col (core/connectors/squareBlocks.ts numbers
 * the blocks). The encoder's pre tokens are assumed to be in row-major grid order.
 */
import type { AnyConnectorSpec, Grid } from '../connectors/family.ts';
import { CONNECTORS, type ConnectorRegistry } from '../connectors/registry.ts';
import type { PatchIndex } from '../types.ts';

export type { Grid } from '../connectors/family.ts';

export interface ConnectorGeometry<S extends AnyConnectorSpec> {
  /** Side of the square block one post token covers; null when there is no fixed square block. */
  readonly blockSize: (spec: S) => number | null;
  /** Whether each post token is made from a fixed set of patches (not so for the perceiver, whose every query attends to every patch). */
  readonly hasPatchRegions: (spec: S) => boolean;
  /** T' on this grid; throws a RangeError naming the problem when the spec cannot run on it. */
  readonly postTokenCount: (spec: S, grid: Grid) => number;
  /** Patches (row-major within the block) that post token j is made from; [] for the perceiver. */
  readonly patchesOfPostToken: (spec: S, grid: Grid, j: number) => PatchIndex[];
  /** The post token a patch feeds, or null when the connector has no fixed region. */
  readonly postTokenOfPatch: (spec: S, grid: Grid, patch: number) => number | null;
  /**
   * For every patch, the post token it feeds (-1 where the connector has no fixed region, as the
   * perceiver): the routing the reconstructor's token mixing starts from, and what its export records.
   */
  readonly tokenRouting: (spec: S, grid: Grid) => Int32Array;
}

/** The geometry of the families in `families`; the app's is exported below. */
export function geometryFor<S extends AnyConnectorSpec>(families: ConnectorRegistry<S>): ConnectorGeometry<S> {
  const checkGrid = (spec: S, grid: Grid): void => {
    if (!(Number.isInteger(grid[0]) && Number.isInteger(grid[1]) && grid[0] > 0 && grid[1] > 0))
      throw new RangeError(`invalid grid: [${grid.join(', ')}] (expected two positive integers)`);
    const problem = families.family(spec.family).geometry.problem(spec, grid);
    if (problem !== null) throw new RangeError(problem);
  };
  const postTokenCount = (spec: S, grid: Grid): number => {
    checkGrid(spec, grid);
    return families.family(spec.family).geometry.postTokenCount(spec, grid);
  };
  const postTokenOfPatch = (spec: S, grid: Grid, patch: number): number | null => {
    checkGrid(spec, grid);
    if (!Number.isInteger(patch) || patch < 0 || patch >= grid[0] * grid[1])
      throw new RangeError(`invalid patch: ${patch} (expected 0..${grid[0] * grid[1] - 1})`);
    return families.family(spec.family).geometry.postTokenOf(spec, grid, patch);
  };
  return {
    blockSize: (spec) => families.family(spec.family).geometry.blockSide(spec),
    hasPatchRegions: (spec) => families.family(spec.family).geometry.fixedRegions,
    postTokenCount,
    patchesOfPostToken(spec, grid, j) {
      const count = postTokenCount(spec, grid);
      if (!Number.isInteger(j) || j < 0 || j >= count) throw new RangeError(`invalid post token: ${j} (expected 0..${count - 1})`);
      return families.family(spec.family).geometry.patchesOf(spec, grid, j);
    },
    postTokenOfPatch,
    tokenRouting: (spec, grid) => Int32Array.from({ length: grid[0] * grid[1] }, (_, p) => postTokenOfPatch(spec, grid, p) ?? -1),
  };
}

export const { blockSize, hasPatchRegions, postTokenCount, patchesOfPostToken, postTokenOfPatch, tokenRouting } = geometryFor(CONNECTORS);
