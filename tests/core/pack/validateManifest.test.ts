/** Manifest validation: the shipped manifests pass; each broken field is named with what was expected. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_VALUES, validateManifest } from '../../../src/core/pack/validateManifest.ts';

const modelsDir = resolve(import.meta.dirname, '../../../models');
const valid = JSON.parse(readFileSync(resolve(modelsDir, 'vit-merger/manifest.json'), 'utf8'));
const clone = () => JSON.parse(JSON.stringify(valid));
const errorsOf = (m: unknown) => {
  const r = validateManifest(m);
  return r.ok ? [] : r.errors;
};

describe('validateManifest', () => {
  it('accepts the built-in manifests', () => {
    expect(errorsOf(valid)).toEqual([]);
    const r = validateManifest(valid);
    expect(r.ok && r.manifest).toEqual(valid);
    for (const id of readdirSync(modelsDir)) {
      const path = resolve(modelsDir, id, 'manifest.json');
      if (existsSync(path)) expect(errorsOf(JSON.parse(readFileSync(path, 'utf8'))), id).toEqual([]);
    }
  });

  it('bounds the image size and the token matrix, so a manifest cannot ask for allocations no tab can make', () => {
    const huge = clone();
    huge.image = { size: 1_000_000, patchSize: 16, grid: [62_500, 62_500] };
    expect(errorsOf(huge)).toContain(
      'manifest.image.size: expected at most 4096 (pixels per side; the vision encoders studied here take 224 to 1024), got 1000000',
    );
    const wide = clone();
    wide.tokens = { ...wide.tokens, dPre: 2 ** 30 };
    expect(errorsOf(wide)).toContain(
      `manifest.tokens.dPre: expected at most ${Math.floor(MAX_TOKEN_VALUES / 196)} with 196 tokens (${MAX_TOKEN_VALUES} values per image), got ${2 ** 30}`,
    );
    const llava = clone();
    llava.tokens = { ...llava.tokens, dPre: 1024, dPost: 4096 };
    expect(errorsOf(llava).filter((e) => /at most/.test(e))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, number, string | null]>([
    ['mlp keeps the count', { family: 'mlp' }, 196, null],
    ['mlp', { family: 'mlp' }, 49, 'manifest.tokens.post: expected 196 for a mlp connector on 196 tokens, got 49'],
    ['merger 2 divides by 4', { family: 'merger', mergeSize: 2 }, 49, null],
    ['merger 7 divides by 49', { family: 'merger', mergeSize: 7 }, 4, null],
    ['pixel shuffle 2', { family: 'pixel-shuffle', scale: 2 }, 49, null],
    ['pixel shuffle 7', { family: 'pixel-shuffle', scale: 7 }, 49, 'manifest.tokens.post: expected 4 for a pixel-shuffle connector on 196 tokens, got 49'],
    [
      'pixel shuffle 4 does not divide 14',
      { family: 'pixel-shuffle', scale: 4 },
      49,
      'manifest.connector.scale: expected a divisor of the grid [14, 14], got 4',
    ],
    ['perceiver: post = queries', { family: 'perceiver', queries: 64 }, 64, null],
    ['perceiver', { family: 'perceiver', queries: 64 }, 49, 'manifest.tokens.post: expected 64 for a perceiver connector on 196 tokens, got 49'],
    ['perceiver without queries', { family: 'perceiver' }, 64, 'manifest.connector.queries: expected a positive integer, got nothing'],
    ['merger with a fractional size', { family: 'merger', mergeSize: 1.5 }, 49, 'manifest.connector.mergeSize: expected a positive integer, got 1.5'],
  ])('checks tokens.post against the connector: %s', (_, connector, post, error) => {
    const m = clone();
    m.connector = connector;
    m.tokens.post = post;
    if (error === null) expect(errorsOf(m)).toEqual([]);
    else expect(errorsOf(m)).toContain(error);
  });

  it.each([['sub/encoder.onnx'], ['encoder.bin'], ['..onnx'], ['a..onnx'], ['/abs.onnx'], ['a\\b.onnx'], [''], [42]])('refuses the file name %j', (name) => {
    const m = clone();
    m.files.connector = name;
    expect(errorsOf(m).some((e) => e.startsWith('manifest.files.connector: expected a file name in the pack folder ending in .onnx'))).toBe(true);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited into any shape on purpose
  it.each<[string, (m: Record<string, any>) => void, RegExp]>([
    ['a string token count', (m) => (m.tokens.pre = 'abc'), /^manifest\.tokens\.pre: expected a positive integer, got "abc"$/],
    [
      'a post count that contradicts the connector',
      (m) => (m.tokens.post = 196),
      /^manifest\.tokens\.post: expected 49 for a merger connector on 196 tokens, got 196$/,
    ],
    ['a grid that contradicts size / patch', (m) => (m.image.grid = [16, 16]), /^manifest\.image\.grid: expected \[14, 14\]/],
    [
      'an unknown family',
      (m) => (m.connector.family = 'qformer'),
      /^manifest\.connector\.family: expected one of "mlp", "merger", "pixel-shuffle", "perceiver", got "qformer"$/,
    ],
    ['a zero std', (m) => (m.preprocess.std = [1, 0, 1]), /^manifest\.preprocess\.std: expected an array of 3 positive numbers/],
    ['a path escaping the pack', (m) => (m.files.encoder = '../x.onnx'), /^manifest\.files\.encoder: expected a file name in the pack folder/],
    ['a missing io name', (m) => delete m.io.connectorOutput, /^manifest\.io\.connectorOutput: expected a non-empty string, got nothing$/],
    ['a wrong format version', (m) => (m.formatVersion = 2), /^manifest\.formatVersion: expected 1, got 2$/],
    ['a merge size that does not divide the grid', (m) => (m.connector.mergeSize = 3), /^manifest\.connector\.mergeSize: expected a divisor of the grid/],
    [
      'a mean with a string',
      (m) => (m.preprocess.mean = [0.5, '0.5', 0.5]),
      /^manifest\.preprocess\.mean: expected an array of 3 finite numbers, got \[0\.5,"0\.5",0\.5\]$/,
    ],
    ['a std of two numbers', (m) => (m.preprocess.std = [1, 1]), /^manifest\.preprocess\.std: expected an array of 3 positive numbers, got \[1,1\]$/],
    ['a negative std', (m) => (m.preprocess.std = [1, -1, 1]), /^manifest\.preprocess\.std: expected an array of 3 positive numbers/],
    ['a zero rescale', (m) => (m.preprocess.rescale = 0), /^manifest\.preprocess\.rescale: expected a positive number/],
    ['shortest-edge without a crop', (m) => (m.preprocess.crop = 'none'), /^manifest\.preprocess\.crop: expected "center" with resize "shortest-edge"/],
    [
      'an unknown resample filter',
      (m) => (m.preprocess.resample = 'lanczos'),
      /^manifest\.preprocess\.resample: expected one of "bicubic", "bilinear", "nearest", got "lanczos"$/,
    ],
    ['pre tokens that contradict the grid', (m) => (m.tokens.pre = 195), /^manifest\.tokens\.pre: expected 196 \(grid rows x cols\), got 195$/],
    ['a zero dPost', (m) => (m.tokens.dPost = 0), /^manifest\.tokens\.dPost: expected a positive integer, got 0$/],
    ['a missing image block', (m) => delete m.image, /^manifest\.image: expected an object, got nothing$/],
    ['a non-boolean synthetic flag', (m) => (m.weights.synthetic = 'yes'), /^manifest\.weights\.synthetic: expected true or false, got "yes"$/],
  ])('names %s', (_, mutate, message) => {
    const m = clone();
    mutate(m);
    expect(errorsOf(m).some((e) => message.test(e))).toBe(true);
  });

  it('rejects a non-object', () => {
    expect(errorsOf('hello')).toEqual(['manifest: expected a JSON object, got "hello"']);
  });

  it('returns errors, never throws, on arbitrary JSON and on mutations of a valid manifest', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        const r = validateManifest(json);
        expect(r.ok || r.errors.length > 0).toBe(true);
      }),
      { numRuns: 1000 },
    );
    const paths = [
      ['tokens', 'pre'],
      ['image', 'size'],
      ['connector', 'mergeSize'],
      ['preprocess', 'mean'],
      ['files', 'connector'],
      ['weights', 'license'],
      ['io', 'encoderInput'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), ([a, b], value) => {
        const m = clone();
        m[a][b] = value;
        const r = validateManifest(m);
        if (!r.ok) expect(r.errors.some((e) => e.startsWith(`manifest.`))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
