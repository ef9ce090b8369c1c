/**
 * A label file in: parsed in the files worker (core/labels; a file of megabytes never blocks the
 * page), matched to the collection's images by name, and applied. A bad file changes nothing.
 *
 * A second label file replaces the labels of the first: every image then carries the new file's
 * label or none, so precision@k never mixes two labellings without anyone choosing it. When that
 * leaves images the new file does not name without the labels they had, the message says how
 * many and offers to keep those (a merge), by an explicit click.
 */
import { applyLabels, labelSummaryMessage } from '../core/labels/applyLabels.ts';
import { MAX_LABEL_FILE_BYTES, type ParsedLabels } from '../core/labels/parseLabels.ts';
import { describeFailure, type Failure } from '../core/errors.ts';
import { filesClient } from '../workers/clients.ts';
import { collectionStore, setLabels, type LabelChange } from './collectionStore.ts';
import { say, sayFailure } from './uiStore.ts';

/** Dropped with images, these are read as label files rather than refused as non-images. */
export const isLabelFileName = (name: string): boolean => /\.(csv|tsv|json)$/i.test(name);

/** A dropped .txt may be a label file (as "Add labels…" takes) or a stray note: it is tried as labels first. */
export const isTextFileName = (name: string): boolean => /\.txt$/i.test(name);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Parse in the files worker; a Failure (with its user message) when the file is not a label file. */
async function parse(file: File): Promise<ParsedLabels | Failure> {
  if (file.size > MAX_LABEL_FILE_BYTES) {
    return {
      code: 'invalid-input',
      message: `${file.name} is ${(file.size / 1e6).toFixed(0)} MB; a label file over ${MAX_LABEL_FILE_BYTES / 1024 / 1024} MB is not read. Keep one line per image: file name, label.`,
      details: null,
    };
  }
  try {
    return await filesClient.request({ type: 'parse-labels', file }).promise;
  } catch (error) {
    return describeFailure(error, `read ${file.name} as a label file`);
  }
}

const isFailure = (p: ParsedLabels | Failure): p is Failure => 'code' in p;

/** Read a label file chosen with "Add labels…" or dropped, and apply it; says how it went. */
export async function applyLabelFile(file: File): Promise<void> {
  const parsed = await parse(file);
  if (isFailure(parsed)) {
    sayFailure('error', parsed.code === 'invalid-input' ? parsed.message : `${file.name} could not be read as a label file. ${parsed.message}`, parsed);
    return;
  }
  applyParsed(file.name, parsed);
}

/**
 * A dropped .txt: applied when it is a label file naming images of the collection (null);
 * otherwise the refusal to show, saying it is neither an image nor such a label file.
 */
export async function applyDroppedTextFile(file: File): Promise<string | null> {
  const parsed = await parse(file);
  const names = collectionStore.getState().images.map((i) => i.name);
  if (!isFailure(parsed) && applyLabels(parsed.labels, names).labelled > 0) {
    applyParsed(file.name, parsed);
    return null;
  }
  const why = isFailure(parsed) ? parsed.message : 'it names none of the images here';
  return `${file.name} is not an image, and not a label file for these images either (${why.replace(/\.$/, '')}). Add PNG, JPEG, GIF, WebP or BMP files; a label file has one "file name, label" line per image.`;
}

function applyParsed(fileName: string, parsed: ParsedLabels): void {
  const images = collectionStore.getState().images;
  const match = applyLabels(
    parsed.labels,
    images.map((i) => i.name),
  );
  if (match.labelled === 0) {
    say('warning', `${fileName}: ${labelSummaryMessage(match)} No label was changed.`);
    return;
  }
  // Images that carry a label from elsewhere and that this file does not name: replacing clears them.
  const losing = images.filter((image, i) => match.byImage[i] === null && image.label !== null && image.labelSource !== fileName);
  const kept = new Map<string, LabelChange>(losing.map((image) => [image.id, { label: image.label!, source: image.labelSource ?? 'an earlier label file' }]));
  const replaced = new Map<string, LabelChange>(
    images.map((image, i) => [image.id, match.byImage[i] === null ? null : { label: match.byImage[i]!, source: fileName }]),
  );
  setLabels(replaced);
  const sources = [...new Set([...kept.values()].map((c) => c!.source))];
  const from = sources.length === 1 ? sources[0]! : `${sources.slice(0, -1).join(', ')} and ${sources.at(-1)!}`;
  if (losing.length === 0) {
    say('info', `${fileName}: ${labelSummaryMessage(match)}`);
  } else {
    say(
      'info',
      `${fileName}: ${labelSummaryMessage(match)} It replaced the labels from ${from}: ${plural(losing.length, 'image')} that ${fileName} does not name now ${losing.length === 1 ? 'has' : 'have'} no label.`,
      {
        actions: [
          {
            label: `Keep the labels from ${from} for ${losing.length === 1 ? 'that image' : `those ${losing.length}`}`,
            run: () => {
              setLabels(kept);
              say(
                'info',
                `Kept the labels from ${from} for ${plural(losing.length, 'image')} that ${fileName} does not name; labels now come from ${fileName} and ${from}.`,
              );
            },
          },
        ],
      },
    );
  }
  for (const warning of parsed.warnings.slice(0, 3)) say('warning', warning);
}
