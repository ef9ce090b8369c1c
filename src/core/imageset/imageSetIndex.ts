/**
 * The bundled image set's index (public/imageset/index.json): which files, their labels, and the
 * split the trained connectors were fitted on. Read like any outside data: a damaged index is a
 * typed error, and file names must stay inside the set's folder.
 */
import { UserFacingError } from '../errors.ts';

export type Split = 'train' | 'heldout';

export interface ImageSetEntry {
  readonly file: string;
  readonly label: string;
  readonly split: Split;
}

// At most one folder level (the set keeps one folder per label); every segment starts with a
// letter or digit, so no `..`, no absolute path and no URL can be spelled.
const SAFE_FILE = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*\.(png|jpe?g|webp)$/i;

export function parseImageSetIndex(json: unknown): ImageSetEntry[] {
  const bad = (what: string) => new UserFacingError(`The bundled image set's index is damaged (${what}). Rebuild it with \`npm run imageset\` or reinstall.`);
  const images = (json as { images?: unknown } | null)?.images;
  if (!Array.isArray(images) || images.length === 0) throw bad('no "images" list');
  const seen = new Set<string>();
  return images.map((item: unknown, i) => {
    const { file, label, split } = (item ?? {}) as { file?: unknown; label?: unknown; split?: unknown };
    if (typeof file !== 'string' || !SAFE_FILE.test(file)) throw bad(`image ${i + 1} has no plain file name (name.png or folder/name.png)`);
    if (seen.has(file)) throw bad(`${file} is listed twice`);
    seen.add(file);
    if (typeof label !== 'string' || label.trim() === '') throw bad(`${file} has no label`);
    if (split !== 'train' && split !== 'heldout') throw bad(`${file} has split ${JSON.stringify(split)}, expected "train" or "heldout"`);
    return { file, label, split };
  });
}
