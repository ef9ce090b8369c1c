/**
 * The images of a folder as one list every machine agrees on: every file under the folder,
 * recursively, sorted by relative path ('/'-separated) in UTF-8 byte order (not the locale's,
 * not UTF-16's), so image j is the same file on every machine and every run. Index j is the
 * image's id in the block store; a shard takes the images with j mod n = i (round-robin, so each
 * machine gets a share of every sub-folder, not one class each).
 *
 * Left out of the list, so they never count as failed images: hidden entries (a name starting
 * with "."), and text files kept beside images (labels.csv, README.md...).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashText, type ContentHash } from '../src/core/identity/contentHash.ts';
import type { Shard } from './args.ts';
import { UsageError } from './exitCodes.ts';

export interface ListedFile {
  /** Position in the full sorted list: the image's global id. */
  readonly index: number;
  /** Relative to the images folder, '/'-separated. */
  readonly relPath: string;
  readonly absPath: string;
}

const TEXT_FILE = /\.(csv|tsv|json|txt|md)$/i;

/** UTF-8 byte order, the order `LC_ALL=C sort` gives. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function walk(root: string, rel: string, out: string[]): void {
  const dir = rel === '' ? root : join(root, rel);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile()) out.push(path);
    else if (entry.isSymbolicLink()) {
      // A link to a file is followed; a link to a folder is not (it could loop).
      try {
        if (statSync(join(root, path)).isFile()) out.push(path);
      } catch {
        // A dangling link is not a file of the folder.
      }
    }
  }
}

export function listImageFolder(root: string): ListedFile[] {
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    throw new UsageError(`The image folder ${root} does not exist. Give the folder that holds the images.`);
  }
  if (!isDir) throw new UsageError(`${root} is a file, not a folder. Give the folder that holds the images (it is searched recursively).`);
  const paths: string[] = [];
  walk(root, '', paths);
  return paths
    .filter((p) => !TEXT_FILE.test(p))
    .sort(compareBytes)
    .map((relPath, index) => ({ index, relPath, absPath: join(root, relPath) }));
}

/** The files shard `shard` takes; all of them without a shard. */
export function shardFiles(files: readonly ListedFile[], shard: Shard | null): ListedFile[] {
  return shard === null ? [...files] : files.filter((f) => f.index % shard.count === shard.index);
}

/** Whether shard `shard` owns image `index`. */
export const ownsIndex = (shard: Shard, index: number): boolean => index % shard.count === shard.index;

/** A digest of the list itself, so shards made from different folder contents are not merged. */
export function listingHash(files: readonly ListedFile[]): Promise<ContentHash> {
  return hashText(files.map((f) => f.relPath).join('\n'));
}

/** Zero-padded ids, all the same width for one list (6 digits at least), so they sort as numbers do. */
export function idDigits(total: number): number {
  return Math.max(6, String(Math.max(0, total - 1)).length);
}

export function imageId(index: number, digits: number): string {
  return String(index).padStart(digits, '0');
}
