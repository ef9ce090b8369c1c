/**
 * The bundled labelled image set (public/imageset/), in memory: relative path -> bytes.
 * scripts/imageset/build.ts writes it; tests/imageset/imageset.test.ts rebuilds it and compares.
 *
 * 12 Noto emoji subcategories (emoji.json's `subcategory`, from npm emoji-datasource-google) x 24
 * emoji = 288 images. Within a subcategory with more than 24 members, the emoji are taken evenly
 * spaced along Unicode's sort order, so runs of near-duplicates (clock faces, flags, "man X /
 * woman X" pairs) do not fill a class. Each 64 px RGBA emoji is composited on white and centred,
 * unscaled, on a 96 x 96 white canvas (16 px margin: the object does not touch the frame).
 *
 * Split: per label, a seeded shuffle (mulberry32, SPLIT_SEED) sends round(30%) of the images to
 * "heldout" and the rest to "train" (7 / 17 of 24): stratified, and identical on every machine.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { seededRandom, shuffledIndices } from '../../src/core/random.ts';
import { decodePng } from '../mobilenet/decodePng.ts';
import { encodePngRgb } from './encodePng.ts';

export const EMOJI_PACKAGE = 'emoji-datasource-google';
export const EMOJI_DIR = resolve(import.meta.dirname, '../../node_modules', EMOJI_PACKAGE);
export const IMAGESET_DIR = resolve(import.meta.dirname, '../../public/imageset');

/** emoji.json subcategories, in label order. */
export const SUBCATEGORIES = [
  'animal-mammal',
  'clothing',
  'country-flag',
  'face-concerned',
  'food-prepared',
  'heart',
  'alphanum',
  'person-role',
  'place-building',
  'sky & weather',
  'time',
  'transport-ground',
] as const;
export const PER_LABEL = 24;
export const HELDOUT_FRACTION = 0.3;
export const SPLIT_SEED = 2025;
export const CANVAS = 96;
const SOURCE_SIZE = 64;

export type Split = 'train' | 'heldout';

export interface ImageEntry {
  /** `<label>/<name>`: unique, stable, the file path without `.png`. */
  readonly id: string;
  readonly file: string;
  readonly label: string;
  readonly split: Split;
  readonly source: { readonly package: string; readonly path: string; readonly emoji: string; readonly unicodeName: string; readonly codepoints: string };
  readonly license: string;
}

export interface LabelEntry {
  readonly label: string;
  readonly category: string;
  readonly subcategory: string;
  readonly count: number;
  readonly train: number;
  readonly heldout: number;
}

export interface ImageSetIndex {
  readonly name: string;
  readonly description: string;
  readonly imageSize: readonly [number, number];
  readonly split: { readonly seed: number; readonly heldoutFraction: number; readonly stratifiedBy: 'label' };
  readonly labels: readonly LabelEntry[];
  readonly images: readonly ImageEntry[];
}

interface EmojiJson {
  readonly name: string;
  readonly unified: string;
  readonly image: string;
  readonly short_name: string;
  readonly category: string;
  readonly subcategory: string;
  readonly sort_order: number;
  readonly has_img_google: boolean;
}

const NOTO_LICENSE = 'Apache-2.0 (Noto Emoji, Copyright Google Inc.; see LICENSES.md)';

/** A file-system-safe slug: lower case, [a-z0-9-] only. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function emojiVersion(): string {
  return (JSON.parse(readFileSync(resolve(EMOJI_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/** 64 px RGBA -> 96 x 96 RGB: alpha-composited on white (rounded), centred. */
export function compositeOnWhite(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (width !== SOURCE_SIZE || height !== SOURCE_SIZE) throw new Error(`expected a ${SOURCE_SIZE} px emoji, got ${width} x ${height}`);
  const out = new Uint8Array(CANVAS * CANVAS * 3).fill(255);
  const offset = (CANVAS - SOURCE_SIZE) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = ((y + offset) * CANVAS + x + offset) * 3;
      const a = rgba[s + 3]!;
      for (let c = 0; c < 3; c++) out[d + c] = Math.round((rgba[s + c]! * a + 255 * (255 - a)) / 255);
    }
  }
  return out;
}

/** Which emoji, with labels and splits; no pixels. */
export function selectImages(): { labels: LabelEntry[]; chosen: { entry: ImageEntry; sourceFile: string }[] } {
  const all = JSON.parse(readFileSync(resolve(EMOJI_DIR, 'emoji.json'), 'utf8')) as EmojiJson[];
  const pkg = `${EMOJI_PACKAGE}@${emojiVersion()}`;
  const random = seededRandom(SPLIT_SEED);
  const labels: LabelEntry[] = [];
  const chosen: { entry: ImageEntry; sourceFile: string }[] = [];
  for (const subcategory of SUBCATEGORIES) {
    const members = all.filter((e) => e.subcategory === subcategory && e.has_img_google).sort((a, b) => a.sort_order - b.sort_order);
    if (members.length < PER_LABEL) throw new Error(`${subcategory}: ${members.length} emoji with Google images, fewer than ${PER_LABEL}`);
    const picked = Array.from({ length: PER_LABEL }, (_, i) => members[Math.floor((i * members.length) / PER_LABEL)]!);
    const label = slug(subcategory);
    const heldoutCount = Math.round(PER_LABEL * HELDOUT_FRACTION);
    const order = shuffledIndices(PER_LABEL, random);
    const heldout = new Set(Array.from(order.subarray(0, heldoutCount)));
    const names = new Set<string>();
    picked.forEach((e, i) => {
      const name = slug(e.short_name);
      if (names.has(name)) throw new Error(`${subcategory}: two emoji named ${name}`);
      names.add(name);
      const path = `img/google/64/${e.image}`;
      const emoji = String.fromCodePoint(...e.unified.split('-').map((h) => Number.parseInt(h, 16)));
      chosen.push({
        sourceFile: resolve(EMOJI_DIR, path),
        entry: {
          id: `${label}/${name}`,
          file: `${label}/${name}.png`,
          label,
          split: heldout.has(i) ? 'heldout' : 'train',
          source: { package: pkg, path, emoji, unicodeName: e.name, codepoints: e.unified },
          license: NOTO_LICENSE,
        },
      });
    });
    labels.push({ label, category: members[0]!.category, subcategory, count: PER_LABEL, train: PER_LABEL - heldoutCount, heldout: heldoutCount });
  }
  return { labels, chosen };
}

export function imageSetIndex(labels: readonly LabelEntry[], images: readonly ImageEntry[]): ImageSetIndex {
  return {
    name: 'Noto emoji, 12 subcategories',
    description: `${images.length} Noto Emoji images (${labels.length} emoji subcategories x ${PER_LABEL}), each 64 px emoji composited on white and centred on a ${CANVAS} x ${CANVAS} canvas. Labels are emoji.json subcategories; the folder of each file is its label. Split: ${Math.round(HELDOUT_FRACTION * 100)}% held out per label, seeded. Written by scripts/imageset/build.ts.`,
    imageSize: [CANVAS, CANVAS],
    split: { seed: SPLIT_SEED, heldoutFraction: HELDOUT_FRACTION, stratifiedBy: 'label' },
    labels,
    images,
  };
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The RGB pixels of every image, by id (what the PNGs hold). */
export function imageSetPixels(chosen: readonly { entry: ImageEntry; sourceFile: string }[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const { entry, sourceFile } of chosen) {
    const { width, height, rgba } = decodePng(new Uint8Array(readFileSync(sourceFile)), sourceFile);
    out.set(entry.id, compositeOnWhite(rgba, width, height));
  }
  return out;
}

/** Debian's verbatim copy of the Apache License 2.0 text (package base-files). */
export const APACHE_TEXT = '/usr/share/common-licenses/Apache-2.0';

export function licensesMarkdown(apache: string): string {
  const mit = readFileSync(resolve(EMOJI_DIR, 'LICENSE'), 'utf8');
  return `# Licences of the bundled image set

Every image in this folder is a **Noto Emoji** image (Google's emoji, https://github.com/googlefonts/noto-emoji),
taken from the 64 px PNGs of the npm package \`${EMOJI_PACKAGE}@${emojiVersion()}\`
(\`img/google/64/<codepoints>.png\`; \`index.json\` names the source file of each image).
The Noto Emoji images are Copyright Google Inc. and licensed under the **Apache License, Version 2.0**
(emoji-datasource's README: "Android/Google/Noto images, are available under the Apache License 2.0").

**Changes made** (Apache-2.0, section 4(b)): each image was alpha-composited on white and centred,
unscaled, on a ${CANVAS} x ${CANVAS} white canvas, then saved as an 8-bit RGB PNG by
\`scripts/imageset/build.ts\`. Nothing else was changed.

The labels, names and code points in \`index.json\` come from emoji-datasource's \`emoji.json\`
(Copyright (c) 2013 Cal Henderson, MIT licence; notice below).

## Apache License 2.0 (Noto Emoji images)

\`\`\`
${apache.trimEnd()}
\`\`\`

## MIT licence (emoji-datasource metadata)

\`\`\`
${mit.trimEnd()}
\`\`\`
`;
}

/**
 * Every file of public/imageset/, in memory. LICENSES.md only when the Apache text is given
 * (build.ts reads APACHE_TEXT; the test checks the committed LICENSES.md by content instead).
 */
export function buildImageSet(apacheText?: string): Map<string, Uint8Array> {
  const { labels, chosen } = selectImages();
  const pixels = imageSetPixels(chosen);
  const files = new Map<string, Uint8Array>();
  for (const { entry } of chosen) files.set(entry.file, encodePngRgb(pixels.get(entry.id)!, CANVAS, CANVAS));
  files.set(
    'index.json',
    json(
      imageSetIndex(
        labels,
        chosen.map((c) => c.entry),
      ),
    ),
  );
  if (apacheText !== undefined) files.set('LICENSES.md', new TextEncoder().encode(licensesMarkdown(apacheText)));
  return files;
}
