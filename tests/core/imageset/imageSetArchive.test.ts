/**
 * The bundled image set's archive (core/imageset/imageSetArchive.ts): every file comes back
 * byte for byte under its path, the same files always make the same bytes (a fixed entry time),
 * and damage is a clear error, not a crash.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveImageSet, readImageSetArchive } from '../../../src/core/imageset/imageSetArchive.ts';
import { parseImageSetIndex } from '../../../src/core/imageset/imageSetIndex.ts';

const IMAGESET = resolve(import.meta.dirname, '../../../public/imageset');

describe('the image set archive', () => {
  const entries = parseImageSetIndex(JSON.parse(readFileSync(resolve(IMAGESET, 'index.json'), 'utf8')));
  const files = new Map(entries.map((e) => [e.file, new Uint8Array(readFileSync(resolve(IMAGESET, e.file)))] as const));

  it('gives back every bundled file byte for byte, and the same archive each time', () => {
    const archive = archiveImageSet(files);
    const read = readImageSetArchive(archive);
    expect([...read.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [path, bytes] of files) expect(Buffer.compare(Buffer.from(read.get(path)!), Buffer.from(bytes)), path).toBe(0);
    expect(Buffer.compare(Buffer.from(archiveImageSet(files)), Buffer.from(archive))).toBe(0);
    // Stored, not deflated: PNGs do not shrink, so the archive is their bytes plus the zip's headers.
    const total = [...files.values()].reduce((sum, b) => sum + b.length, 0);
    expect(archive.length).toBeGreaterThan(total);
  });

  it('says the archive is damaged when it is not a zip', () => {
    expect(() => readImageSetArchive(new TextEncoder().encode('<!doctype html><p>not found</p>'))).toThrow('The bundled image archive is damaged');
  });
});
