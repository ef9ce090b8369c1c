/** patch_loss.npy loaded by numpy, value for value, and patch_loss.json naming its rows. */
import { describe, expect, it } from 'vitest';
import { PATCH_LOSS_UNITS, patchLossJson, patchLossNpy } from '../../../src/core/export/patchLossFiles.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { runPython, tempFile } from './python.ts';
import { GRID, sessionFixture } from './sessionFixture.ts';

describe('patch loss files', () => {
  it('patch_loss.npy is [images, T] float32 that numpy loads bit for bit (NaN rows included)', (ctx) => {
    const why = whyNoToolsPython('numpy');
    if (why) ctx.skip(why);
    const s = sessionFixture();
    const r = s.reconstruction!;
    const path = tempFile('patch_loss.npy', patchLossNpy(s.images, r));
    const read = JSON.parse(
      runPython(
        `import json, sys, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), 'bits': a.view(np.uint32).ravel().tolist(), 'c': bool(a.flags['C_CONTIGUOUS'])}))`,
        [path],
      ),
    ) as { dtype: string; shape: number[]; bits: number[]; c: boolean };
    expect(read).toEqual({ dtype: '<f4', shape: [s.images.length, GRID[0] * GRID[1]], bits: Array.from(new Uint32Array(r.perPatch.slice().buffer)), c: true });
  });

  it('patch_loss.json names each row, the grid and the units', () => {
    const s = sessionFixture();
    const description = JSON.parse(patchLossJson(s.images, s.reconstruction!)) as {
      shape: number[];
      grid: number[];
      units: string;
      rows: { row: number; name: string; contentHash: string | null }[];
    };
    expect(description.shape).toEqual([10, 6]);
    expect(description.grid).toEqual([2, 3]);
    expect(description.units).toBe(PATCH_LOSS_UNITS);
    expect(description.units).toBe('patch MSE in standardised units');
    expect(description.rows).toEqual(s.images.map((image, i) => ({ row: i, name: image.name, contentHash: image.contentHash })));
  });
});
