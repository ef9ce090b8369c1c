/**
 * Each image's label, for precision@k, in one of two ways:
 * - from folders: the first sub-folder of the images folder an image sits in ("cats/a.png" and
 *   "cats/indoor/b.png" are "cats"; a file directly in the folder has none). For the ImageNet-style
 *   layout (one folder per class) this is the app's rule for a dropped folder, the folder around
 *   the file;
 * - from a label file (--labels): read with the app's parser (core/labels/parseLabels.ts) and
 *   matched by base name as the app matches it (core/labels/applyLabels.ts).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserFacingError } from '../src/core/errors.ts';
import { hashBytes } from '../src/core/identity/contentHash.ts';
import { applyLabels, labelSummaryMessage } from '../src/core/labels/applyLabels.ts';
import { parseLabels } from '../src/core/labels/parseLabels.ts';
import { UsageError } from './exitCodes.ts';
import type { Reporter } from './reporter.ts';

export type LabelSource = { readonly kind: 'folders' } | { readonly kind: 'file'; readonly name: string; readonly hash: string };

export interface Labeller {
  readonly source: LabelSource;
  /** The label of the image at this relative path, or null. */
  labelOf(relPath: string): string | null;
}

export function folderLabel(relPath: string): string | null {
  const cut = relPath.indexOf('/');
  return cut < 0 ? null : relPath.slice(0, cut);
}

export const folderLabeller: Labeller = { source: { kind: 'folders' }, labelOf: folderLabel };

/** A labeller from a label file; refuses an unreadable or unusable file as bad usage (exit 2). */
export async function fileLabeller(path: string, relPaths: readonly string[], reporter: Reporter): Promise<Labeller> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new UsageError(`Could not read the label file ${path}. Check the path (--labels takes a CSV, TSV or JSON file).`, { cause: error });
  }
  const name = basename(path);
  let parsed: ReturnType<typeof parseLabels>;
  try {
    parsed = parseLabels(bytes, name);
  } catch (error) {
    if (error instanceof UserFacingError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  for (const w of parsed.warnings) reporter.say('warning', w);
  const match = applyLabels(
    parsed.labels,
    relPaths.map((p) => basename(p)),
  );
  const byPath = new Map(relPaths.map((p, i) => [p, match.byImage[i] ?? null]));
  reporter.say(match.labelled === 0 ? 'warning' : 'info', labelSummaryMessage(match));
  return { source: { kind: 'file', name, hash: await hashBytes(bytes) }, labelOf: (relPath) => byPath.get(relPath) ?? null };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * labels.csv: "file,label,path", one row per labelled image. "file" is the block id, the name the
 * app gives a block when it opens the output folder as a block store (no image beside it), so the
 * app's label matching finds it there; "path" is the image under the images folder. The same
 * columns as tools/extract_blocks.py writes.
 */
export function labelsCsv(rows: readonly { readonly id: string; readonly file: string; readonly label: string | null }[]): string {
  const lines = ['file,label,path', ...rows.filter((r) => r.label !== null).map((r) => [r.id, r.label!, r.file].map(csvField).join(','))];
  return `${lines.join('\n')}\n`;
}
