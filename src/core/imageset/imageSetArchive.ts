/**
 * The bundled image set as one file: a zip of its images, stored uncompressed (PNGs are
 * compressed already), made when the app is built or served (vite.config.ts) from
 * public/imageset/, never committed. A first visit fetches this one file instead of one request
 * per image: a browser keeps six connections to a host, so 288 small requests take about 0.7-0.9 s
 * of round trips here, the archive a few tens of milliseconds. fflate, already used for the
 * session export, reads and writes it.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { errorText, UserFacingError } from '../errors.ts';

export const IMAGE_SET_ARCHIVE = 'images.zip';

/** A fixed entry time, so the same images always make the same archive. */
const ENTRY_TIME = new Date('2025-01-01T00:00:00Z');

/** `files`, keyed by their path in the image set ("time/clock1.png"), as one zip. */
export function archiveImageSet(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries: Zippable = {};
  for (const [path, bytes] of files) entries[path] = [bytes, { level: 0, mtime: ENTRY_TIME }];
  return zipSync(entries);
}

/** The archive's files by path; a typed error for bytes that are not a readable zip. */
export function readImageSetArchive(bytes: Uint8Array): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new UserFacingError(`The bundled image archive is damaged (${errorText(error)}).`);
  }
  return new Map(Object.entries(entries));
}
