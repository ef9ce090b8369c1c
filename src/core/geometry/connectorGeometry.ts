/**
 * How post-projection tokens relate to the encoder's patch grid, per connector family
 * (docs/method.md's table): MLP 1:1, merger and pixel shuffle one token per r x r block, perceiver
 * no fixed region (its queries attend to every patch).
 *
 * Patches and blocks are numbered row-major: patch = row * cols + col; block j sits at block row
 * floor(j / (cols / r)), block col j % (cols / r). For pixel shuffle this is exactly the order of
 * HF Idefics3's pixel_shuffle (tests/core/geometry checks it on the real reshape/permute sequence),
 * and within a block patches are listed in the order their features are concatenated.
 * The encoder's pre tokens are assumed to be in row-major grid order.
 */
import { asPatchIndex, type ConnectorSpec, type PatchIndex } from '../types.ts';

export type Grid = readonly [rows: number, cols: number];

/** Side of the square block one post token covers; null when there is no fixed region. */
export function blockSize(spec: ConnectorSpec): number | null {
  switch (spec.family) {
    case 'mlp':
      return 1;
    case 'merger':
      return spec.mergeSize;
    case 'pixel-shuffle':
      return spec.scale;
    case 'perceiver':
      return null;
  }
}

function checkGrid(spec: ConnectorSpec, grid: Grid): void {
  const r = blockSize(spec);
  if (!(Number.isInteger(grid[0]) && Number.isInteger(grid[1]) && grid[0] > 0 && grid[1] > 0)) throw new RangeError(`invalid grid: [${grid.join(', ')}] (expected two positive integers)`);
  if (r !== null && !(Number.isInteger(r) && r >= 1)) throw new RangeError(`invalid ${spec.family} block size: ${r} (expected a positive integer)`);
  if (spec.family === 'perceiver' && !(Number.isInteger(spec.queries) && spec.queries >= 1)) throw new RangeError(`invalid perceiver queries: ${spec.queries} (expected a positive integer)`);
  if (r !== null && (grid[0] % r !== 0 || grid[1] % r !== 0)) {
    throw new RangeError(`invalid grid: [${grid.join(', ')}] is not divisible by the ${spec.family} block size ${r}`);
  }
}

export function postTokenCount(spec: ConnectorSpec, grid: Grid): number {
  checkGrid(spec, grid);
  const r = blockSize(spec);
  if (spec.family === 'perceiver') return spec.queries;
  return (grid[0] / r!) * (grid[1] / r!);
}

/** Patches (row-major within the block) that post token j is made from; [] for the perceiver. */
export function patchesOfPostToken(spec: ConnectorSpec, grid: Grid, j: number): PatchIndex[] {
  const count = postTokenCount(spec, grid);
  if (!Number.isInteger(j) || j < 0 || j >= count) throw new RangeError(`invalid post token: ${j} (expected 0..${count - 1})`);
  const r = blockSize(spec);
  if (r === null) return [];
  const blocksPerRow = grid[1] / r;
  const top = Math.floor(j / blocksPerRow) * r;
  const left = (j % blocksPerRow) * r;
  const out: PatchIndex[] = [];
  for (let dy = 0; dy < r; dy++) for (let dx = 0; dx < r; dx++) out.push(asPatchIndex((top + dy) * grid[1] + left + dx));
  return out;
}

/**
 * For every patch, the post token it feeds (-1 where the connector has no fixed region, as the
 * perceiver): the routing the reconstructor's token mixing starts from, and what its export records.
 */
export function tokenRouting(spec: ConnectorSpec, grid: Grid): Int32Array {
  return Int32Array.from({ length: grid[0] * grid[1] }, (_, p) => postTokenOfPatch(spec, grid, p) ?? -1);
}

/** The post token a patch feeds, or null when the connector has no fixed region. */
export function postTokenOfPatch(spec: ConnectorSpec, grid: Grid, patch: number): number | null {
  checkGrid(spec, grid);
  if (!Number.isInteger(patch) || patch < 0 || patch >= grid[0] * grid[1]) throw new RangeError(`invalid patch: ${patch} (expected 0..${grid[0] * grid[1] - 1})`);
  const r = blockSize(spec);
  if (r === null) return null;
  const row = Math.floor(patch / grid[1]);
  const col = patch % grid[1];
  return Math.floor(row / r) * (grid[1] / r) + Math.floor(col / r);
}
