/** Manifest validation: the shipped manifests pass; each broken field is named with what was expected. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';

const valid = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../models/vit-merger/manifest.json'), 'utf8'));
const clone = () => JSON.parse(JSON.stringify(valid));
const errorsOf = (m: unknown) => {
  const r = validateManifest(m);
  return r.ok ? [] : r.errors;
};

describe('validateManifest', () => {
  it('accepts the built-in manifest', () => {
    expect(errorsOf(valid)).toEqual([]);
  });

  it.each<[string, (m: Record<string, any>) => void, RegExp]>([
    ['a string token count', (m) => (m.tokens.pre = 'abc'), /^manifest\.tokens\.pre: expected a positive integer, got "abc"$/],
    ['a post count that contradicts the connector', (m) => (m.tokens.post = 196), /^manifest\.tokens\.post: expected 49 for a merger connector on 196 tokens, got 196$/],
    ['a grid that contradicts size / patch', (m) => (m.image.grid = [16, 16]), /^manifest\.image\.grid: expected \[14, 14\]/],
    ['an unknown family', (m) => (m.connector.family = 'qformer'), /^manifest\.connector\.family: expected one of "mlp", "merger", "pixel-shuffle", "perceiver", got "qformer"$/],
    ['a zero std', (m) => (m.preprocess.std = [1, 0, 1]), /^manifest\.preprocess\.std: expected an array of 3 positive numbers/],
    ['a path escaping the pack', (m) => (m.files.encoder = '../x.onnx'), /^manifest\.files\.encoder: expected a file name in the pack folder/],
    ['a missing io name', (m) => delete m.io.connectorOutput, /^manifest\.io\.connectorOutput: expected a non-empty string, got nothing$/],
    ['a wrong format version', (m) => (m.formatVersion = 2), /^manifest\.formatVersion: expected 1, got 2$/],
    ['a merge size that does not divide the grid', (m) => (m.connector.mergeSize = 3), /^manifest\.connector\.mergeSize: expected a divisor of the grid/],
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
    const paths = [['tokens', 'pre'], ['image', 'size'], ['connector', 'mergeSize'], ['preprocess', 'mean'], ['files', 'connector'], ['weights', 'license'], ['io', 'encoderInput']] as const;
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
