/**
 * The archive of the bundled image set (core/imageset/imageSetArchive.ts) made from the folder
 * the app ships (public/imageset): every file its index names, under that name. Used by the Vite
 * plugin in vite.config.ts, which serves it in development and writes it into each build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { archiveImageSet } from '../../src/core/imageset/imageSetArchive.ts';
import { parseImageSetIndex } from '../../src/core/imageset/imageSetIndex.ts';

/** The archive of `folder`'s image set, or null when the folder has no index (a build without a bundled set). */
export function imageSetArchiveOf(folder: string): Uint8Array | null {
  const index = resolve(folder, 'index.json');
  if (!existsSync(index)) return null;
  const entries = parseImageSetIndex(JSON.parse(readFileSync(index, 'utf8')));
  return archiveImageSet(new Map(entries.map((e) => [e.file, new Uint8Array(readFileSync(resolve(folder, e.file)))] as const)));
}
