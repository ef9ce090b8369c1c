/**
 * Match parsed labels to the collection's images by file name, and say how it went in one line.
 * Names are compared by base name in Unicode NFC (macOS hands out decomposed names, a CSV typed
 * by hand is composed); when that finds nothing, a case-insensitive match is used if it is unique
 * ("IMG_01.JPG" in the CSV, "img_01.jpg" on disk). Last, a row that names a file without its
 * extension matches the one image of that stem ("0" for "0.png": the paper's block stores name
 * images by block id), and a row "7.png" matches an image named "7" (a block without its
 * picture), again only when unique.
 */
import { baseName } from './parseLabels.ts';

export interface LabelMatch {
  /** Per image, in the order given: its label, or null when no row names it. */
  readonly byImage: readonly (string | null)[];
  readonly labelled: number;
  readonly total: number;
  /** Images no row names, in the order given. */
  readonly unlabelledImages: readonly string[];
  /** Label-file names that matched no image, in the label file's order. */
  readonly unusedRows: readonly string[];
}

const key = (name: string) => baseName(name).normalize('NFC');
/** "photo.final.png" -> "photo.final"; a name without a dot is its own stem. */
const stem = (name: string) => name.replace(/\.[^.]*$/, '');

export function applyLabels(labels: ReadonlyMap<string, string>, imageNames: readonly string[]): LabelMatch {
  const exact = new Map<string, string>();
  const folded = new Map<string, string[]>();
  for (const name of labels.keys()) {
    const k = key(name);
    if (!exact.has(k)) exact.set(k, name);
    const f = k.toLowerCase();
    folded.set(f, [...(folded.get(f) ?? []), name]);
  }
  // Stems of images, counted, so an extension-less row only matches an image it names alone; and
  // rows by stem, so a row "7.png" finds an image stored without its file ("7", a block's id).
  const imagesPerStem = new Map<string, number>();
  for (const image of imageNames) imagesPerStem.set(stem(key(image)), (imagesPerStem.get(stem(key(image))) ?? 0) + 1);
  const rowsByStem = new Map<string, string[]>();
  for (const name of labels.keys()) rowsByStem.set(stem(key(name)), [...(rowsByStem.get(stem(key(name))) ?? []), name]);
  const used = new Set<string>();
  const unlabelledImages: string[] = [];
  const byImage = imageNames.map((image) => {
    const k = key(image);
    const candidates = folded.get(k.toLowerCase());
    const byStem = imagesPerStem.get(stem(k)) === 1 && !exact.has(k) ? exact.get(stem(k)) : undefined;
    const stemRows = stem(k) === k ? rowsByStem.get(k) : undefined;
    const byRowStem = stemRows?.length === 1 && imagesPerStem.get(k) === 1 ? stemRows[0] : undefined;
    const row = exact.get(k) ?? (candidates?.length === 1 ? candidates[0] : undefined) ?? byStem ?? byRowStem;
    if (row === undefined) {
      unlabelledImages.push(image);
      return null;
    }
    used.add(row);
    return labels.get(row)!;
  });
  return {
    byImage,
    labelled: imageNames.length - unlabelledImages.length,
    total: imageNames.length,
    unlabelledImages,
    unusedRows: [...labels.keys()].filter((name) => !used.has(name)),
  };
}

/** E.g. "Labelled 14 of 15 images; 2 rows named files not in the collection (e.g. x.jpg)." */
export function labelSummaryMessage(match: Pick<LabelMatch, 'labelled' | 'total' | 'unusedRows' | 'unlabelledImages'>): string {
  const { labelled, total, unusedRows } = match;
  let s = `Labelled ${labelled} of ${total} ${total === 1 ? 'image' : 'images'}`;
  if (unusedRows.length === 1) s += `; 1 row named a file not in the collection (${unusedRows[0]})`;
  else if (unusedRows.length > 1) s += `; ${unusedRows.length} rows named files not in the collection (e.g. ${unusedRows[0]})`;
  s += '.';
  if (labelled === 0 && total > 0) s += ` Check that the label file names the images as they are named here (e.g. ${match.unlabelledImages[0]}).`;
  return s;
}
