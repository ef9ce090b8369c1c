/**
 * The pack exporter's connector families (tools/pack_export/connectors/) agree with the app's
 * (src/core/connectors/): the same families in the same order with the same size field, the same
 * post token counts, and a size refused on the same grids. Only the standard library is imported
 * on the Python side, so this runs wherever python3 does (no torch needed).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTORS } from '../../src/core/connectors/registry.ts';

const PYTHON = process.env.PACK_EXPORT_PYTHON ?? '/usr/bin/python3';
const TOOLS = resolve(import.meta.dirname, '../../tools');

/** Square grids and sizes to try: fitting and not. */
const SIDES = [6, 14, 24];
const SIZES = [1, 2, 3, 4, 7, 16];

interface PythonView {
  readonly families: { id: string; parameter: string | null }[];
  /** [family, side, size, post tokens or null when refused, errors]. */
  readonly cases: [string, number, number, number | null, string[]][];
}

function pythonView(): PythonView {
  const script = `
import json
from pack_export.connectors import CONNECTOR_FAMILIES
from pack_export.manifest import Geometry, geometry_errors
cases = []
for family in CONNECTOR_FAMILIES.values():
    for side in ${JSON.stringify(SIDES)}:
        for size in ${JSON.stringify(SIZES)}:
            g = Geometry(size=side * 16, patch_size=16, d_pre=8, d_post=8, family=family.id, parameter=None if family.parameter is None else size)
            errors = geometry_errors(g)
            cases.append([family.id, side, size, None if errors else g.post, errors])
print(json.dumps({"families": [{"id": f.id, "parameter": f.parameter} for f in CONNECTOR_FAMILIES.values()], "cases": cases}))
`;
  try {
    return JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: TOOLS, encoding: 'utf8' })) as PythonView;
  } catch (error) {
    throw new Error(`${PYTHON} could not read tools/pack_export/connectors (set PACK_EXPORT_PYTHON to another python3)`, { cause: error });
  }
}

describe('tools/pack_export/connectors', () => {
  const view = pythonView();

  it('lists the app families, in order, with the same size field', () => {
    expect(view.families).toEqual(CONNECTORS.modules.map((m) => ({ id: m.id, parameter: m.parameter })));
  });

  it.each(CONNECTORS.ids)('%s: the same post tokens, and a size refused where the app refuses it', (id) => {
    const module = CONNECTORS.family(id);
    const cases = view.cases.filter(([family]) => family === id);
    expect(cases.length).toBe(SIDES.length * SIZES.length);
    for (const [, side, size, post, errors] of cases) {
      const spec = module.specOf(size);
      const grid = [side, side] as const;
      const misfit = module.parameter === null ? null : module.manifest.parameterMisfit(spec, grid);
      expect(errors.length > 0, `${id} ${size} on ${side}: ${errors.join('; ')}`).toBe(misfit !== null);
      if (post !== null) expect(post, `${id} ${size} on ${side}`).toBe(module.manifest.postTokensFrom(spec, side * side));
    }
  });
});
