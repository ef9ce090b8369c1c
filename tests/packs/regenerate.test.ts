/** The committed packs are exactly what scripts/buildPacks.ts writes: byte for byte. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILIES, packId } from '../../scripts/connectors/config.ts';
import { buildAllPacks } from '../../scripts/packs/buildAllPacks.ts';

const models = resolve(import.meta.dirname, '../../models');
/**
 * Not written by buildAllPacks: converted from pretrained weights (scripts/convertMobilenet.ts,
 * checked in mobilenet.test.ts) and trained (scripts/trainConnectors.ts, checked in trained.test.ts).
 */
const NOT_SYNTHETIC = new Set(['mobilenet-v2-imagenet', ...FAMILIES.map(packId)]);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function committedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (dir === models && NOT_SYNTHETIC.has(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? committedFiles(path) : [relative(models, path)];
  });
}

describe('built-in packs regenerate byte-identically', () => {
  const built = buildAllPacks();
  it('writes exactly the committed set of files', () => {
    expect([...built.keys()].sort()).toEqual(committedFiles(models).sort());
  });
  it.each([...built.keys()])('%s', (path) => {
    expect(sha(built.get(path)!)).toBe(sha(new Uint8Array(readFileSync(resolve(models, path)))));
  });
  it('depends on the seed (a different seed gives different encoder bytes)', () => {
    const other = buildAllPacks(999);
    expect(sha(other.get('vit-mlp/encoder.onnx')!)).not.toBe(sha(built.get('vit-mlp/encoder.onnx')!));
  });
});
