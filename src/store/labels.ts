/**
 * A label file in: parse it (core/labels), attach each row's label to the collection image of
 * that name, and say how it went. A bad file changes nothing; labels feed precision@k.
 */
import { applyLabels, labelSummaryMessage } from '../core/labels/applyLabels.ts';
import { MAX_LABEL_FILE_BYTES, parseLabels } from '../core/labels/parseLabels.ts';
import { userMessage } from '../core/errors.ts';
import { collectionStore, setLabels } from './collectionStore.ts';
import { say } from './uiStore.ts';

/** Dropped with images, these are read as label files rather than refused as non-images. */
export const isLabelFileName = (name: string): boolean => /\.(csv|tsv|json)$/i.test(name);

export async function applyLabelFile(file: File): Promise<void> {
  if (file.size > MAX_LABEL_FILE_BYTES) {
    say('error', `${file.name} is ${(file.size / 1e6).toFixed(0)} MB; a label file over ${MAX_LABEL_FILE_BYTES / 1024 / 1024} MB is not read. Keep one line per image: file name, label.`);
    return;
  }
  let parsed: ReturnType<typeof parseLabels>;
  try {
    parsed = parseLabels(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (error) {
    say('error', userMessage(error, `${file.name} could not be read as a label file.`));
    return;
  }
  const images = collectionStore.getState().images;
  const match = applyLabels(parsed.labels, images.map((i) => i.name));
  const byId = new Map<string, string>();
  match.byImage.forEach((label, i) => {
    if (label !== null) byId.set(images[i]!.id, label);
  });
  setLabels(byId);
  say(match.labelled > 0 ? 'info' : 'warning', `${file.name}: ${labelSummaryMessage(match)}`);
  for (const warning of parsed.warnings.slice(0, 3)) say('warning', warning);
}
