/**
 * Properties of manifest validation on generated input: every consistent manifest passes and comes
 * back unchanged; breaking any required field is reported at that field's path; nothing throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../../src/core/pack/validateManifest.ts';
import type { PackManifest } from '../../../src/core/types.ts';

const RUNS = 1000;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited into any shape on purpose
type Json = Record<string, any>;

const nonEmpty = fc.string({ minLength: 1, maxLength: 20 });
const onnxName = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,15}$/)
  .filter((s) => !s.includes('..') && !s.endsWith('.'))
  .map((s) => `${s}.onnx`);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 });
const positive = fc.double({ noNaN: true, min: 1e-6, max: 10 });

/** Consistent manifests: size = patch x grid, pre = grid², post as the connector family implies. */
const validManifest: fc.Arbitrary<Json> = fc
  .record({
    grid: fc.integer({ min: 1, max: 48 }),
    patchSize: fc.integer({ min: 1, max: 32 }),
    family: fc.constantFrom('mlp', 'merger', 'pixel-shuffle', 'perceiver'),
    divisorPick: fc.nat(),
    queries: fc.integer({ min: 1, max: 4096 }),
    dPre: fc.integer({ min: 1, max: 8192 }),
    dPost: fc.integer({ min: 1, max: 8192 }),
    resizeCrop: fc.constantFrom(['shortest-edge', 'center'], ['stretch', 'center'], ['stretch', 'none']),
    resample: fc.constantFrom('bicubic', 'bilinear', 'nearest'),
    rescale: positive,
    mean: fc.tuple(finite, finite, finite),
    std: fc.tuple(positive, positive, positive),
    id: nonEmpty,
    name: nonEmpty,
    description: fc.string({ maxLength: 30 }),
    files: fc.tuple(onnxName, onnxName),
    io: fc.tuple(nonEmpty, nonEmpty, nonEmpty, nonEmpty),
    source: fc.constantFrom('synthetic', 'pretrained', 'trained'),
    synthetic: fc.boolean(),
    seed: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), { nil: undefined }),
    license: nonEmpty,
    origin: nonEmpty,
  })
  .map((r) => {
    const divisors = Array.from({ length: r.grid }, (_, i) => i + 1).filter((d) => r.grid % d === 0);
    const d = divisors[r.divisorPick % divisors.length]!;
    const pre = r.grid * r.grid;
    const connector =
      r.family === 'mlp'
        ? { family: 'mlp' }
        : r.family === 'merger'
          ? { family: 'merger', mergeSize: d }
          : r.family === 'pixel-shuffle'
            ? { family: 'pixel-shuffle', scale: d }
            : { family: 'perceiver', queries: r.queries };
    const post = r.family === 'mlp' ? pre : r.family === 'perceiver' ? r.queries : pre / (d * d);
    return {
      formatVersion: 1,
      id: r.id,
      name: r.name,
      description: r.description,
      image: { size: r.grid * r.patchSize, patchSize: r.patchSize, grid: [r.grid, r.grid] },
      tokens: { pre, post, dPre: r.dPre, dPost: r.dPost },
      connector,
      preprocess: { resize: r.resizeCrop[0], crop: r.resizeCrop[1], resample: r.resample, rescale: r.rescale, mean: r.mean, std: r.std },
      files: { encoder: r.files[0], connector: r.files[1] },
      io: { encoderInput: r.io[0], encoderOutput: r.io[1], connectorInput: r.io[2], connectorOutput: r.io[3] },
      weights: { source: r.source, synthetic: r.synthetic, license: r.license, origin: r.origin, ...(r.seed === undefined ? {} : { seed: r.seed }) },
    };
  });

/** Every path to a value in m, e.g. ['image', 'grid', 1]. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => pathsOf(x, [...prefix, i]))];
  if (typeof v === 'object' && v !== null) return [...(prefix.length ? [prefix] : []), ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...prefix, k]))];
  return [prefix];
}

function setAt(m: Json, path: readonly (string | number)[], value: unknown, remove = false): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited into any shape on purpose
  let o: any = m;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(o)) o.splice(Number(last), 1);
    else delete o[last];
  } else o[last] = value;
}

/** The error prefix for a path: array indices belong to their array's field. */
const fieldOf = (path: readonly (string | number)[]) => `manifest.${path.filter((k) => typeof k === 'string').join('.')}`;

const POSITIVE_INTS = /^(image\.(size|patchSize|grid)|tokens\.\w+|connector\.(mergeSize|scale|queries))$/;

/** Values that no required field at `field` accepts, by what the field holds. */
function invalidFor(field: string): fc.Arbitrary<unknown> {
  const wrongType = fc.constantFrom(null, true, [], {}, [1, 2]);
  const badNumber = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
  if (POSITIVE_INTS.test(field)) {
    const huge = fc.constantFrom(1e300, 2 ** 53 + 2, Number.MAX_VALUE);
    return fc.oneof(
      wrongType,
      badNumber,
      huge,
      fc.constantFrom('7', 0, -0),
      fc.integer({ min: -1e9, max: -1 }),
      fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    );
  }
  if (field === 'formatVersion') return fc.oneof(wrongType, badNumber, fc.constantFrom('1', 0, 2, 1.5, -1));
  if (field === 'preprocess.rescale' || field === 'preprocess.std')
    return fc.oneof(wrongType, badNumber, fc.constantFrom('0.5', 0, -0), fc.double({ max: -1e-9, noNaN: true }));
  if (field === 'preprocess.mean') return fc.oneof(wrongType, badNumber, fc.constantFrom('0.5'));
  if (field === 'weights.synthetic') return fc.oneof(badNumber, fc.constantFrom(null, [], {}, 'true', 0, 1));
  if (field === 'weights.seed') return fc.oneof(fc.constantFrom(null, true, [], {}, '3', 1.5), badNumber);
  if (field.startsWith('files.'))
    return fc.oneof(wrongType, fc.constantFrom('', '../x.onnx', 'a/b.onnx', '/abs.onnx', '.hidden.onnx', 'a..b.onnx', 'x.bin', 'x.onnx.', 7));
  if (field === 'connector.family' || /^preprocess\.(resize|resample)$/.test(field) || field === 'weights.source')
    return fc.oneof(wrongType, badNumber, fc.constantFrom('', 'other', 3));
  if (field === 'preprocess.crop') return fc.oneof(wrongType, fc.constantFrom('', 'edge', 3));
  return fc.oneof(wrongType, badNumber, fc.constantFrom('', 0, 12));
}

/** What a passing manifest must satisfy, checked independently of the validator. */
function expectConsistent(m: PackManifest): void {
  const posInt = (x: number) => Number.isSafeInteger(x) && x > 0;
  const { size, patchSize, grid } = m.image;
  expect([size, patchSize, ...grid, m.tokens.pre, m.tokens.post, m.tokens.dPre, m.tokens.dPost].every(posInt)).toBe(true);
  expect(grid[0] === grid[1] && grid[0] * patchSize === size && m.tokens.pre === grid[0] * grid[1]).toBe(true);
  const c = m.connector;
  const r = c.family === 'merger' ? c.mergeSize : c.family === 'pixel-shuffle' ? c.scale : 1;
  expect(grid[0] % r).toBe(0);
  expect(m.tokens.post).toBe(c.family === 'perceiver' ? c.queries : m.tokens.pre / (r * r));
  expect([m.preprocess.rescale, ...m.preprocess.std].every((x) => Number.isFinite(x) && x > 0)).toBe(true);
  expect(m.preprocess.mean.every(Number.isFinite)).toBe(true);
}

describe('validateManifest properties', () => {
  it('refuses integers past 2^53 (1e300 passes Number.isInteger), naming the field', () => {
    const m = fc.sample(validManifest, { numRuns: 1, seed: 7 })[0]!;
    for (const [path, value] of [
      [['image', 'patchSize'], 1e300],
      [['tokens', 'dPre'], 2 ** 53 + 2],
      [['image', 'grid', 0], 1e300],
    ] as const) {
      const copy = structuredClone(m);
      setAt(copy, path, value);
      const r = validateManifest(copy);
      expect(r.ok ? [] : r.errors).toContain(
        path[1] === 'grid'
          ? `manifest.image.grid: expected two positive integers [rows, cols], got [1e+300,${m.image.grid[1]}]`
          : `${fieldOf(path)}: expected a positive integer, got ${JSON.stringify(value)}`,
      );
    }
  });

  it('accepts every consistent manifest and returns it unchanged (also after a JSON round trip)', () => {
    fc.assert(
      fc.property(validManifest, (m) => {
        const r = validateManifest(m);
        expect(r.ok ? [] : r.errors).toEqual([]);
        expect(r.ok && r.manifest).toEqual(m);
        const back = validateManifest(JSON.parse(JSON.stringify(m)));
        expect(back.ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('names the field when a required value is deleted or made invalid (wrong type, negative, NaN, huge, fractional)', () => {
    const mutation = validManifest.chain((m) => {
      const paths = pathsOf(m).filter((p) => p[0] !== 'description');
      return fc.tuple(fc.constant(m), fc.constantFrom(...paths)).chain(([m2, path]) =>
        fc.tuple(
          fc.constant(m2),
          fc.constant(path),
          fc.oneof(
            fc.constant({ remove: true as const }),
            invalidFor(fieldOf(path).slice('manifest.'.length)).map((value) => ({ value })),
          ),
        ),
      );
    });
    fc.assert(
      fc.property(mutation, ([m, path, change]) => {
        // Deleting the optional seed is allowed; every other deletion or bad value is an error.
        const optional = path.length === 2 && path[0] === 'weights' && path[1] === 'seed' && 'remove' in change;
        const copy = structuredClone(m);
        setAt(copy, path, 'value' in change ? change.value : undefined, 'remove' in change);
        const r = validateManifest(copy);
        if (optional) {
          expect(r.ok).toBe(true);
          return;
        }
        expect(r.ok).toBe(false);
        const field = fieldOf(path);
        if (!r.ok)
          expect(
            r.errors.some((e) => e.startsWith(`${field}:`) || e.startsWith(`${field}.`)),
            `${field} in ${JSON.stringify(r.errors)}`,
          ).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('returns a result, never throws, for arbitrary values at any path and for arbitrary JSON; what passes is consistent', () => {
    const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e300, -0, 2 ** 53 + 2, undefined));
    fc.assert(
      fc.property(
        validManifest,
        fc.array(fc.tuple(fc.nat(), anyValue, fc.boolean()), { minLength: 1, maxLength: 4 }),
        anyValue,
        fc.boolean(),
        (m, edits, whole, replaceWhole) => {
          let input: unknown = m;
          if (replaceWhole) input = whole;
          else {
            for (const [pick, value, remove] of edits) {
              const paths = pathsOf(m);
              const path = paths[pick % paths.length]!;
              if (path.length > 0) setAt(m, path, value, remove);
            }
          }
          const r = validateManifest(input);
          if (r.ok) expectConsistent(r.manifest);
          else {
            expect(r.errors.length).toBeGreaterThan(0);
            for (const e of r.errors) expect(e).toMatch(/^manifest(\.[\w.]+)?: expected /);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
