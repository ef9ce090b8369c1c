/**
 * Files in: each is checked (size, magic bytes, truncation, pixel budget) before it joins the
 * collection. A bad file gets a message naming it and what to do; the rest of the drop and
 * everything already loaded stay.
 */
import { checkImageFile, fileTooBigMessage, MAX_FILE_BYTES } from '../core/image/checkImageFile.ts';
import { sampleImage } from '../core/image/sampleImages.ts';
import { addImages, collectionStore, nextImageId, type ImageEntry } from './collectionStore.ts';
import { embedPending } from './pipeline.ts';
import { applyLabelFile, isLabelFileName } from './labels.ts';
import { say } from './uiStore.ts';

/** Every CHUNK files, admitted images join the gallery and progress moves: a drop of thousands shows both. */
const CHUNK = 64;

async function check(file: File): Promise<ImageEntry | string> {
  // Refuse huge files before reading them into memory.
  if (file.size > MAX_FILE_BYTES) return fileTooBigMessage(file.name, file.size);
  const result = checkImageFile(new Uint8Array(await file.arrayBuffer()), file.name);
  if (!result.ok) return result.message;
  if (result.notice) say('info', result.notice);
  const label = labelFromPath(file);
  return { id: nextImageId(), name: file.name, blob: file, url: URL.createObjectURL(file), bytes: file.size, width: result.width, height: result.height, label };
}

/** A dropped folder's name is the label (ImageNet-style layouts). */
function labelFromPath(file: File): string | null {
  const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
  const parts = path.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : null;
}

/** Images are checked and admitted; label files (.csv/.tsv/.json) dropped with them are applied after. */
export async function addFiles(dropped: readonly File[]): Promise<void> {
  const labelFiles = dropped.filter((f) => isLabelFileName(f.name));
  const files = dropped.filter((f) => !isLabelFileName(f.name));
  const admitted = files.length > 0 ? await admitImageFiles(files) : 0;
  for (const file of labelFiles) await applyLabelFile(file);
  if (admitted > 0) await embedPending();
}

/** Check each file and add the images among them; returns how many were admitted. */
async function admitImageFiles(files: readonly File[]): Promise<number> {
  let accepted: ImageEntry[] = [];
  let admitted = 0;
  const refused: string[] = [];
  collectionStore.setState({ intake: { done: 0, total: files.length } });
  try {
    for (let i = 0; i < files.length; i++) {
      const result = await check(files[i]!);
      if (typeof result === 'string') refused.push(result);
      else accepted.push(result);
      if ((i + 1) % CHUNK === 0 || i === files.length - 1) {
        addImages(accepted);
        admitted += accepted.length;
        accepted = [];
        collectionStore.setState({ intake: { done: i + 1, total: files.length } });
      }
    }
  } finally {
    collectionStore.setState({ intake: null });
  }
  // One message per refused file for small drops; a summary for large ones.
  if (refused.length <= 5) refused.forEach((m) => say('error', m));
  else say('error', `${refused.length} of ${files.length} files were refused, e.g. ${refused[0]} (and ${refused.length - 1} more).`);
  return admitted;
}

/** Add `count` procedural labelled images (PNG-encoded off the main thread by the browser). */
export async function addSampleImages(count: number, seed = Date.now() % 100000): Promise<void> {
  const entries: ImageEntry[] = [];
  for (let i = 0; i < count; i++) {
    const s = sampleImage(i, 160, seed);
    const canvas = new OffscreenCanvas(s.width, s.height);
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(s.rgba), s.width, s.height), 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const name = `sample-${String(i + 1).padStart(2, '0')}-${s.label}.png`;
    entries.push({ id: nextImageId(), name, blob, url: URL.createObjectURL(blob), bytes: blob.size, width: s.width, height: s.height, label: s.label });
  }
  addImages(entries);
  await embedPending();
}
