/**
 * The committed image set (public/imageset/) is what scripts/imageset/imageset.ts builds, byte for
 * byte, and its index is consistent: every entry names an existing file of its label's folder,
 * 24 images per label, 17 train and 7 heldout each.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../scripts/mobilenet/decodePng.ts';
import {
  APACHE_TEXT,
  buildImageSet,
  HELDOUT_FRACTION,
  IMAGESET_DIR,
  licensesMarkdown,
  PER_LABEL,
  type ImageSetIndex,
} from '../../scripts/imageset/imageset.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const committed = (path: string) => new Uint8Array(readFileSync(resolve(IMAGESET_DIR, path)));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(IMAGESET_DIR, path)];
  });
}

describe('bundled image set', () => {
  // Without the Apache text, buildImageSet leaves LICENSES.md out; it is checked on its own below.
  const built = buildImageSet();
  const index = JSON.parse(readFileSync(resolve(IMAGESET_DIR, 'index.json'), 'utf8')) as ImageSetIndex;

  it('has exactly the files the builder writes', () => {
    expect([...built.keys(), 'LICENSES.md'].sort()).toEqual(filesUnder(IMAGESET_DIR).sort());
  });

  it('rebuilds index.json and every PNG byte for byte', () => {
    // PNG bytes also depend on Node's bundled zlib; the decoded pixels are compared too, so a
    // mismatch says which of the two changed.
    const differing: string[] = [];
    const pixelsDiffer: string[] = [];
    for (const [path, bytes] of built) {
      const mine = committed(path);
      if (sha(bytes) !== sha(mine)) differing.push(path);
      if (path.endsWith('.png') && sha(decodePng(bytes, path).rgba) !== sha(decodePng(mine, path).rgba)) pixelsDiffer.push(path);
    }
    expect(pixelsDiffer).toEqual([]);
    expect(differing).toEqual([]);
  });

  it('carries the licence notice the builder writes', () => {
    const text = new TextDecoder().decode(committed('LICENSES.md'));
    if (existsSync(APACHE_TEXT)) {
      expect(text).toBe(licensesMarkdown(readFileSync(APACHE_TEXT, 'utf8')));
    } else {
      // No Debian copy of the Apache text here: everything around it must still match.
      const marker = '\u0000APACHE\u0000';
      const [before, after] = licensesMarkdown(marker).split(marker) as [string, string];
      expect(text.startsWith(before) && text.endsWith(after)).toBe(true);
      expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    }
  });

  it('indexes existing files, 24 per label, 17 train / 7 heldout per label', () => {
    expect(index.labels).toHaveLength(12);
    expect(index.images).toHaveLength(12 * PER_LABEL);
    const ids = new Set<string>();
    for (const e of index.images) {
      expect(existsSync(resolve(IMAGESET_DIR, e.file)), e.file).toBe(true);
      expect(e.file).toBe(`${e.label}/${e.id.slice(e.label.length + 1)}.png`);
      ids.add(e.id);
    }
    expect(ids.size).toBe(index.images.length);
    const heldout = Math.round(PER_LABEL * HELDOUT_FRACTION);
    for (const l of index.labels) {
      const mine = index.images.filter((e) => e.label === l.label);
      expect([mine.length, mine.filter((e) => e.split === 'train').length, mine.filter((e) => e.split === 'heldout').length], l.label).toEqual([
        PER_LABEL,
        PER_LABEL - heldout,
        heldout,
      ]);
      expect([l.count, l.train, l.heldout]).toEqual([24, 17, 7]);
    }
  });
});
