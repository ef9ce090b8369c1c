/**
 * Folders of test images for the CLI tests: deterministic PNGs (tests/support/syntheticImage.ts)
 * in two sub-folders, each with its RGBA pixels kept so a test can embed the very same pixels.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { encodePng } from '../e2e/png.ts';
import { syntheticRgba } from '../support/syntheticImage.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const LAUNCHER = join(REPO, 'bin/connector-lens.mjs');
/** The smallest, fastest built-in pack (real weights, 36 ms an image here). */
export const PACK = 'mnv2-mlp';

export interface FixtureImage {
  /** Relative to the folder, '/'-separated. */
  readonly relPath: string;
  readonly width: number;
  readonly height: number;
  /** What the file holds (8-bit RGBA; some with alpha). */
  readonly rgba: Uint8Array;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `connector-lens-${prefix}-`));
}

/** `count` images, the first half in cats/, the rest in dogs/; every third has an alpha channel. */
export function writeImageFolder(root: string, count = 10, seed = 1): FixtureImage[] {
  const images: FixtureImage[] = [];
  for (let i = 0; i < count; i++) {
    const label = i < count / 2 ? 'cats' : 'dogs';
    const width = 40 + 7 * i;
    const height = 33 + 5 * (i % 4);
    const rgba = syntheticRgba(width, height, seed * 1000 + i * 17 + (label === 'dogs' ? 500 : 0), i % 3 === 2);
    const relPath = `${label}/img-${String(i).padStart(2, '0')}.png`;
    const path = join(root, relPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodePng(rgba, width, height));
    images.push({ relPath, width, height, rgba });
  }
  return images;
}
