/** Reads the committed image set (public/imageset/): index.json and the decoded PNGs. Node only. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodePng } from '../mobilenet/decodePng.ts';
import { IMAGESET_DIR, type ImageEntry, type ImageSetIndex } from './imageset.ts';

export interface LoadedImage extends ImageEntry {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 */
  readonly rgba: Uint8Array;
}

export function readImageSetIndex(dir = IMAGESET_DIR): ImageSetIndex {
  return JSON.parse(readFileSync(resolve(dir, 'index.json'), 'utf8')) as ImageSetIndex;
}

export function loadImage(entry: ImageEntry, dir = IMAGESET_DIR): LoadedImage {
  const path = resolve(dir, entry.file);
  return { ...entry, ...decodePng(new Uint8Array(readFileSync(path)), path) };
}

/** Label ids in the index's label order. */
export function labelIdsOf(index: ImageSetIndex, images: readonly ImageEntry[]): Int32Array {
  const ids = new Map(index.labels.map((l, i) => [l.label, i] as const));
  return Int32Array.from(images, (e) => {
    const id = ids.get(e.label);
    if (id === undefined) throw new Error(`${e.id}: label ${e.label} is not in index.labels`);
    return id;
  });
}
