/** The sorted image list every machine agrees on, and the shards cut from it. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/exitCodes.ts';
import { compareBytes, idDigits, imageId, listImageFolder, listingHash, shardFiles } from '../../cli/imageFolder.ts';
import { folderLabel, labelsCsv } from '../../cli/imageLabels.ts';
import { tempDir } from './imageFolderFixture.ts';

const root = tempDir('folder');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(rel: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), 'x');
}

describe('listImageFolder', () => {
  for (const rel of ['b.png', 'a/z.jpg', 'a/B.png', 'Z.png', 'é.png', 'e.png', '.hidden.png', '.git/x.png', 'labels.csv', 'notes/readme.md', 'a/deeper/c.png'])
    touch(rel);

  it('lists every file recursively in UTF-8 byte order, without hidden entries or text files', () => {
    const files = listImageFolder(root);
    expect(files.map((f) => f.relPath)).toEqual(['Z.png', 'a/B.png', 'a/deeper/c.png', 'a/z.jpg', 'b.png', 'e.png', 'é.png']);
    expect(files.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(files[2]!.absPath).toBe(join(root, 'a/deeper/c.png'));
  });

  it('compares by bytes, not UTF-16 units or locale', () => {
    // U+FF5E (3 UTF-8 bytes, 0xEF...) sorts before U+1F600 (4 bytes, 0xF0...), unlike UTF-16 order.
    expect(['😀', '～'].sort(compareBytes)).toEqual(['～', '😀']);
    expect(['b', 'B', 'a'].sort(compareBytes)).toEqual(['B', 'a', 'b']);
  });

  it('shards round-robin: image j goes to shard j mod n, every image to exactly one', () => {
    const files = listImageFolder(root);
    const shards = [0, 1, 2].map((index) => shardFiles(files, { index, count: 3 }).map((f) => f.index));
    expect(shards).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
    expect(shardFiles(files, null)).toHaveLength(7);
  });

  it('gives the list a digest and its ids a fixed width', async () => {
    const files = listImageFolder(root);
    expect(await listingHash(files)).toMatch(/^[0-9a-f]{64}$/);
    expect(await listingHash(files.slice(1))).not.toBe(await listingHash(files));
    expect([idDigits(7), idDigits(1_000_000), idDigits(1_000_001)]).toEqual([6, 6, 7]);
    expect(imageId(42, 6)).toBe('000042');
  });

  it('refuses a missing folder or a file as bad usage', () => {
    expect(() => listImageFolder(join(root, 'nope'))).toThrow(UsageError);
    expect(() => listImageFolder(join(root, 'nope'))).toThrow(/does not exist\. Give the folder that holds the images\./);
    expect(() => listImageFolder(join(root, 'b.png'))).toThrow(/is a file, not a folder/);
  });
});

describe('labels', () => {
  it('is the first sub-folder', () => {
    expect([folderLabel('cats/a.png'), folderLabel('cats/indoor/b.png'), folderLabel('c.png')]).toEqual(['cats', 'cats', null]);
  });

  it('labels.csv lists labelled images by block id, with their paths, quoting as CSV needs', () => {
    expect(
      labelsCsv([
        { id: '000000', file: 'a,b/x.png', label: 'a,b' },
        { id: '000001', file: 'y.png', label: null },
        { id: '000002', file: 'q"/z.png', label: 'q"' },
      ]),
    ).toBe('file,label,path\n000000,"a,b","a,b/x.png"\n000002,"q""","q""/z.png"\n');
  });
});
