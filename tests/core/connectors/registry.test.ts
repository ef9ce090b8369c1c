/**
 * The connector family registry, and docs/adding-a-connector-family.md kept honest. A fifth toy
 * family ('avg-pool': each r x r block of patches averaged into one token) is written here, the way
 * the doc says, and registered through connectorRegistry: manifest validation, geometry, the
 * lecture's words and stock-export inference all work for it with no other module touched, and the
 * app's own registry is left as it was. Each real family module is checked against geometry
 * computed independently, by brute force, on small grids.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectorFamilyModule, Grid } from '../../../src/core/connectors/family.ts';
import { merger } from '../../../src/core/connectors/merger.ts';
import { mlp } from '../../../src/core/connectors/mlp.ts';
import { perceiver } from '../../../src/core/connectors/perceiver.ts';
import { pixelShuffle } from '../../../src/core/connectors/pixelShuffle.ts';
import { CONNECTOR_FAMILIES, CONNECTORS, connectorFamily, connectorRegistry, type ConnectorSpec } from '../../../src/core/connectors/registry.ts';
import { geometryFor, postTokenCount, patchesOfPostToken, postTokenOfPatch, tokenRouting } from '../../../src/core/geometry/connectorGeometry.ts';
import { storyFor } from '../../../src/core/lecture/connectorStory.ts';
import { manifestValidator, validateManifest } from '../../../src/core/pack/validateManifest.ts';
import { asPatchIndex } from '../../../src/core/types.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DOC = readFileSync(resolve(ROOT, 'docs/adding-a-connector-family.md'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited into any shape on purpose
const validManifest = () => JSON.parse(readFileSync(resolve(ROOT, 'models/vit-merger/manifest.json'), 'utf8')) as Record<string, any>;

// ---------- independent references ----------

/** For every patch of `grid`, the r x r block it lies in, numbered row-major: by walking the grid, not by formula. */
function blockOfEveryPatch(grid: Grid, r: number): number[] {
  const blocks = new Map<string, number>();
  const out: number[] = [];
  for (let row = 0; row < grid[0]; row++) {
    for (let col = 0; col < grid[1]; col++) {
      // Blocks get their numbers in the order their top-left patches are met, which is row-major.
      const key = `${row - (row % r)},${col - (col % r)}`;
      if (!blocks.has(key)) blocks.set(key, blocks.size);
      out.push(blocks.get(key)!);
    }
  }
  return out;
}

/** The patches of block j, in row-major order: every patch whose block is j. */
const membersOf = (blockOf: readonly number[], j: number) => blockOf.flatMap((b, p) => (b === j ? [p] : []));

const divisorsOf = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

const SMALL_GRIDS: readonly Grid[] = [
  [1, 1],
  [2, 2],
  [4, 6],
  [6, 6],
  [6, 9],
  [12, 8],
];

// ---------- the toy fifth family, written as docs/adding-a-connector-family.md says ----------

interface AvgPoolSpec {
  readonly family: 'avg-pool';
  readonly pool: number;
}

const avgPool: ConnectorFamilyModule<AvgPoolSpec> = {
  id: 'avg-pool',
  parameter: 'pool',
  specOf: (pool) => ({ family: 'avg-pool', pool }),
  label: 'Average pooling',
  story: ({ pool }) => `Each ${pool} × ${pool} block of patches averaged into one token.`,
  geometry: {
    fixedRegions: true,
    blockSide: ({ pool }) => pool,
    problem: ({ pool }, [rows, cols]) =>
      Number.isInteger(pool) && pool >= 1 && rows % pool === 0 && cols % pool === 0 ? null : `invalid grid: avg-pool ${pool} does not tile [${rows}, ${cols}]`,
    postTokenCount: ({ pool }, [rows, cols]) => (rows / pool) * (cols / pool),
    patchesOf({ pool }, [, cols], j) {
      const perRow = cols / pool;
      const top = Math.floor(j / perRow) * pool;
      const left = (j % perRow) * pool;
      return Array.from({ length: pool * pool }, (_, k) => asPatchIndex((top + Math.floor(k / pool)) * cols + left + (k % pool)));
    },
    postTokenOf: ({ pool }, [, cols], patch) => Math.floor(Math.floor(patch / cols) / pool) * (cols / pool) + Math.floor((patch % cols) / pool),
  },
  manifest: {
    postTokensFrom: ({ pool }, pre) => pre / pool ** 2,
    parameterMisfit: ({ pool }, grid) => (grid[0] % pool === 0 && grid[1] % pool === 0 ? null : `a divisor of the grid [${grid.join(', ')}]`),
  },
  stock: {
    modelTypes: ['toy_pool_vlm'],
    specFromTokens(grid, pre, post) {
      const pool = Math.round(Math.sqrt(pre / post));
      return pool >= 2 && pool * pool * post === pre && grid[0] % pool === 0 && grid[1] % pool === 0 ? { family: 'avg-pool', pool } : null;
    },
    unnamed: 'never',
  },
};

type WithAvgPool = ConnectorSpec | AvgPoolSpec;
const withAvgPool = connectorRegistry<WithAvgPool>([...CONNECTORS.modules, avgPool]);

describe('a fifth family registered in a test', () => {
  const validate = manifestValidator(withAvgPool);
  const geometry = geometryFor(withAvgPool);
  const words = storyFor(withAvgPool);
  const manifestWith = (connector: Record<string, unknown>, post: number) => ({ ...validManifest(), connector, tokens: { ...validManifest().tokens, post } });

  it('passes manifest validation with its own size field, and fails it with the shared wording', () => {
    const ok = validate(manifestWith({ family: 'avg-pool', pool: 2 }, 49));
    expect(ok.ok && ok.manifest.connector).toEqual({ family: 'avg-pool', pool: 2 });
    const errorsOf = (m: unknown) => {
      const r = validate(m);
      return r.ok ? [] : r.errors;
    };
    expect(errorsOf(manifestWith({ family: 'avg-pool', pool: 4 }, 12))).toEqual(['manifest.connector.pool: expected a divisor of the grid [14, 14], got 4']);
    expect(errorsOf(manifestWith({ family: 'avg-pool', pool: 7 }, 5))).toEqual([
      'manifest.tokens.post: expected 4 for a avg-pool connector on 196 tokens, got 5',
    ]);
    expect(errorsOf(manifestWith({ family: 'avg-pool' }, 49))).toEqual(['manifest.connector.pool: expected a positive integer, got nothing']);
    expect(errorsOf(manifestWith({ family: 'qformer' }, 49))).toContain(
      'manifest.connector.family: expected one of "mlp", "merger", "pixel-shuffle", "perceiver", "avg-pool", got "qformer"',
    );
  });

  it('has geometry through the shared entry points, equal to brute force', () => {
    for (const grid of SMALL_GRIDS) {
      for (const pool of divisorsOf(grid[0]).filter((d) => grid[1] % d === 0)) {
        const spec: AvgPoolSpec = { family: 'avg-pool', pool };
        const blockOf = blockOfEveryPatch(grid, pool);
        const count = geometry.postTokenCount(spec, grid);
        expect(count).toBe(new Set(blockOf).size);
        expect(Array.from(geometry.tokenRouting(spec, grid))).toEqual(blockOf);
        for (let j = 0; j < count; j++) expect(geometry.patchesOfPostToken(spec, grid, j)).toEqual(membersOf(blockOf, j));
        expect(geometry.blockSize(spec)).toBe(pool);
        expect(geometry.hasPatchRegions(spec)).toBe(true);
      }
    }
    // The shared checks come first, then the family's own.
    expect(() => geometry.postTokenCount({ family: 'avg-pool', pool: 2 }, [0, 4])).toThrow('invalid grid: [0, 4] (expected two positive integers)');
    expect(() => geometry.postTokenCount({ family: 'avg-pool', pool: 3 }, [4, 4])).toThrow('invalid grid: avg-pool 3 does not tile [4, 4]');
    expect(() => geometry.patchesOfPostToken({ family: 'avg-pool', pool: 2 }, [4, 4], 4)).toThrow('invalid post token: 4 (expected 0..3)');
    expect(() => geometry.postTokenOfPatch({ family: 'avg-pool', pool: 2 }, [4, 4], 16)).toThrow('invalid patch: 16 (expected 0..15)');
  });

  it('has its label and story in the lecture', () => {
    expect(words.connectorName('avg-pool')).toBe('Average pooling');
    expect(words.connectorStory({ family: 'avg-pool', pool: 3 })).toBe('Each 3 × 3 block of patches averaged into one token.');
    expect(words.connectorName('merger')).toBe('Patch merger');
  });

  it('is read from a stock export: named by its model type, never guessed from counts alone', () => {
    expect(withAvgPool.familyOfModelType('toy_pool_vlm')).toBe('avg-pool');
    expect(withAvgPool.specFromTokens('avg-pool', [8, 8], 64, 16)).toEqual({ family: 'avg-pool', pool: 2 });
    expect(withAvgPool.specFromTokens(null, [8, 8], 64, 16)).toEqual({ family: 'pixel-shuffle', scale: 2 });
    // Named, but the counts do not fit pooling: the other families' readings, as for any family.
    expect(withAvgPool.specFromTokens('avg-pool', [8, 8], 64, 64)).toEqual({ family: 'mlp' });
    expect(withAvgPool.specFromTokens('avg-pool', [8, 8], 64, 10)).toEqual({ family: 'perceiver', queries: 10 });
  });

  it('leaves the app registry and its entry points as they were', () => {
    expect(CONNECTOR_FAMILIES).toEqual(['mlp', 'merger', 'pixel-shuffle', 'perceiver']);
    expect(CONNECTORS.familyOfModelType('toy_pool_vlm')).toBeNull();
    const r = validateManifest(manifestWith({ family: 'avg-pool', pool: 2 }, 49));
    expect(r.ok ? [] : r.errors).toContain('manifest.connector.family: expected one of "mlp", "merger", "pixel-shuffle", "perceiver", got "avg-pool"');
  });
});

describe('connectorRegistry', () => {
  it('lists the app families in order, one module each', () => {
    expect(CONNECTORS.modules).toEqual([mlp, merger, pixelShuffle, perceiver]);
    for (const id of CONNECTOR_FAMILIES) expect(connectorFamily(id).id).toBe(id);
    expect(() => CONNECTORS.family('avg-pool' as never)).toThrow('unknown connector family "avg-pool" (expected one of mlp, merger, pixel-shuffle, perceiver)');
  });

  it('refuses a family twice, a model type claimed twice, and a module whose specs do not carry its size field', () => {
    expect(() => connectorRegistry<WithAvgPool>([...CONNECTORS.modules, avgPool, avgPool])).toThrow('connector family "avg-pool" is registered twice');
    const thief: ConnectorFamilyModule<AvgPoolSpec> = { ...avgPool, stock: { ...avgPool.stock, modelTypes: ['idefics2'] } };
    expect(() => connectorRegistry<WithAvgPool>([...CONNECTORS.modules, thief])).toThrow(
      'model type "idefics2" is claimed by the connector families "perceiver" and "avg-pool"',
    );
    const misnamed: ConnectorFamilyModule<AvgPoolSpec> = { ...avgPool, parameter: 'size' };
    expect(() => connectorRegistry<AvgPoolSpec>([misnamed])).toThrow(
      'connector family "avg-pool": specOf gives the fields family, pool, not family, size (parameter size)',
    );
  });

  it('names the model types of docs/method.md families', () => {
    const named = Object.fromEntries(
      ['llava', 'llava_next', 'llava_onevision', 'qwen2_vl', 'qwen2_5_vl', 'idefics3', 'smolvlm', 'idefics2', 'clip'].map((t) => [
        t,
        CONNECTORS.familyOfModelType(t),
      ]),
    );
    expect(named).toEqual({
      llava: 'mlp',
      llava_next: 'mlp',
      llava_onevision: 'mlp',
      qwen2_vl: 'merger',
      qwen2_5_vl: 'merger',
      idefics3: 'pixel-shuffle',
      smolvlm: 'pixel-shuffle',
      idefics2: 'perceiver',
      clip: null,
    });
  });

  it('throws when no family fits the counts (a registry without a catch-all)', () => {
    const exact = connectorRegistry<ConnectorSpec>([mlp, pixelShuffle]);
    expect(() => exact.specFromTokens(null, [8, 8], 64, 10)).toThrow('no connector family takes 64 tokens on the grid [8, 8] to 10 tokens');
  });
});

// ---------- the real families against brute force ----------

/** Every spec of the app's families that runs on `grid`, with its block side (null: no fixed region). */
function specsOn(grid: Grid): { spec: ConnectorSpec; side: number | null }[] {
  const sides = divisorsOf(grid[0]).filter((d) => grid[1] % d === 0);
  return [
    { spec: { family: 'mlp' }, side: 1 },
    ...sides.map((r) => ({ spec: { family: 'merger', mergeSize: r } as const, side: r })),
    ...sides.map((r) => ({ spec: { family: 'pixel-shuffle', scale: r } as const, side: r })),
    ...[1, 3, 16].map((q) => ({ spec: { family: 'perceiver', queries: q } as const, side: null })),
  ];
}

describe.each(SMALL_GRIDS)('the app families on a %i x %i grid', (rows, cols) => {
  const grid: Grid = [rows, cols];

  it('give each post token the patches brute force finds, and each patch its token', () => {
    for (const { spec, side } of specsOn(grid)) {
      const what = JSON.stringify(spec);
      if (spec.family === 'perceiver') {
        // One token per query, none of them tied to a patch.
        expect(postTokenCount(spec, grid), what).toBe(spec.queries);
        expect(Array.from(tokenRouting(spec, grid)), what).toEqual(new Array(rows * cols).fill(-1));
        expect(patchesOfPostToken(spec, grid, 0), what).toEqual([]);
        continue;
      }
      const blockOf = blockOfEveryPatch(grid, side!);
      const count = new Set(blockOf).size;
      expect(postTokenCount(spec, grid), what).toBe(count);
      for (let j = 0; j < count; j++) expect(patchesOfPostToken(spec, grid, j), `${what} token ${j}`).toEqual(membersOf(blockOf, j));
      for (let p = 0; p < rows * cols; p++) expect(postTokenOfPatch(spec, grid, p), `${what} patch ${p}`).toBe(blockOf[p]);
    }
  });

  it('agree with the manifest rule: T′ from T, and a size that fits the grid', () => {
    for (const { spec } of specsOn(grid)) {
      const module = connectorFamily(spec.family);
      expect(module.manifest.postTokensFrom(spec, rows * cols), JSON.stringify(spec)).toBe(postTokenCount(spec, grid));
      expect(module.manifest.parameterMisfit(spec, grid), JSON.stringify(spec)).toBeNull();
    }
    for (const r of [2, 3, 4, 5].filter((d) => rows % d !== 0 || cols % d !== 0)) {
      for (const spec of [merger.specOf(r), pixelShuffle.specOf(r)]) {
        expect(connectorFamily(spec.family).manifest.parameterMisfit(spec, grid)).toBe(`a divisor of the grid [${rows}, ${cols}]`);
        expect(() => postTokenCount(spec, grid)).toThrow(`invalid grid: [${rows}, ${cols}] is not divisible by the ${spec.family} block size ${r}`);
      }
    }
  });

  it('are read back from their token counts: by the model type, and without one', () => {
    for (const { spec, side } of specsOn(grid)) {
      const pre = rows * cols;
      const post = postTokenCount(spec, grid);
      // A one-patch block is token-wise whatever the family: it reads as the MLP.
      const expected = side === 1 ? { family: 'mlp' } : spec;
      expect(CONNECTORS.specFromTokens(spec.family, grid, pre, post), JSON.stringify(spec)).toEqual(expected);
      // Without a model type square blocks read as pixel shuffle (a merger looks the same); a
      // perceiver whose count could come from blocks reads as blocks, else as a perceiver.
      const unnamed = CONNECTORS.specFromTokens(null, grid, pre, post);
      const blocks =
        side ??
        (pre % post === 0 && Number.isInteger(Math.sqrt(pre / post)) && rows % Math.sqrt(pre / post) === 0 && cols % Math.sqrt(pre / post) === 0
          ? Math.sqrt(pre / post)
          : null);
      expect(unnamed, JSON.stringify(spec)).toEqual(
        blocks === 1 ? { family: 'mlp' } : blocks !== null ? { family: 'pixel-shuffle', scale: blocks } : { family: 'perceiver', queries: post },
      );
    }
  });
});

describe('every module', () => {
  it.each(CONNECTORS.modules.map((m) => [m.id, m] as const))(
    '%s: builds specs with its size under its manifest name, and has words for the lecture',
    (_, module) => {
      const spec = module.specOf(2);
      expect(spec.family).toBe(module.id);
      expect(Object.keys(spec).sort()).toEqual(['family', ...(module.parameter === null ? [] : [module.parameter])].sort());
      expect(module.label).not.toBe('');
      expect(module.story(spec)).toMatch(/\.$/);
    },
  );
});

// ---------- the doc ----------

/** Member names of an interface in family.ts: `name:` or `name(` at the start of a line inside its braces. */
function membersOfInterface(source: string, name: string): string[] {
  const body = source.slice(source.indexOf(`export interface ${name}`)).split('\n}')[0]!;
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]!);
}

describe('docs/adding-a-connector-family.md', () => {
  const familySource = readFileSync(resolve(ROOT, 'src/core/connectors/family.ts'), 'utf8');

  it('explains every field of a family module', () => {
    const interfaces = ['ConnectorFamilyModule', 'FamilyGeometry', 'FamilyManifestRule', 'FamilyStockHint'];
    const fields = interfaces.flatMap((i) => membersOfInterface(familySource, i));
    expect(fields.length).toBeGreaterThan(15);
    expect(fields.filter((f) => !DOC.includes(`\`${f}\``))).toEqual([]);
  });

  it('names files that exist, among them every place a family is listed', () => {
    const named = [...new Set([...DOC.matchAll(/`((?:src|scripts|tools|tests|docs)\/[\w./-]*)`/g)].map((m) => m[1]!))];
    expect(named.filter((p) => !existsSync(resolve(ROOT, p)))).toEqual([]);
    for (const listing of [
      'src/core/connectors/registry.ts',
      'scripts/packs/architectures.ts',
      'scripts/connectors/tfConnector.ts',
      'tools/pack_export/connectors/__init__.py',
      'tests/core/connectors/registry.test.ts',
    ]) {
      expect(named, listing).toContain(listing);
    }
  });
});
