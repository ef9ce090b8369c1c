/**
 * Files in: each is checked (size, magic bytes, truncation, pixel budget) and hashed in the files
 * worker, off the main thread, before it joins the collection. A bad file gets a message naming
 * it and what to do; the rest of the drop and everything already loaded stay. A file with the
 * same bytes as an image already here is admitted with a notice (the two are each other's nearest
 * neighbours at distance 0).
 */
import { sampleImage } from '../core/image/sampleImages.ts';
import { hashBytes } from '../core/identity/contentHash.ts';
import { filesClient } from '../workers/clients.ts';
import { describeFailure } from '../core/errors.ts';
import { addImages, collectionStore, nextImageId, type ImageEntry } from './collectionStore.ts';
import { blockStoreIsOpen } from './blockStoreSession.ts';
import { embedPending } from './embedding.ts';
import { applyDroppedTextFile, applyLabelFile, isLabelFileName, isTextFileName } from './labels.ts';
import { say, sayFailure } from './uiStore.ts';

/**
 * While a block store is open its blocks are the gallery and there is no model to embed images
 * with: images are refused (not queued), so switching back to a model never has to sort them out.
 */
function storeOpenRefusal(first: string, count: number): string {
  const what = count === 1 ? first : `${first} and ${count - 1} more`;
  return `A block store is open: its vectors come from its files, and no model is open to embed new images, so ${what} ${count === 1 && !first.startsWith('The ') ? 'was' : 'were'} not added. Choose a model pack first, then add ${count === 1 ? 'it' : 'them'} again.`;
}

/** Every CHUNK files, admitted images join the gallery and progress moves: a drop of thousands shows both. */
const CHUNK = 64;

/** A dropped folder's name is the label (ImageNet-style layouts). */
function labelFromPath(file: File): string | null {
  const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
  const parts = path.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : null;
}

/**
 * A drop holding more .txt files than this is not a label file with its images: its .txt files
 * are checked as images (and refused as text), as any other file.
 */
const MAX_TEXT_LABEL_FILES = 3;

/** Images are checked and admitted; label files (.csv/.tsv/.json, and a few .txt that read as labels) dropped with them are applied after. */
export async function addFiles(dropped: readonly File[]): Promise<void> {
  const labelFiles = dropped.filter((f) => isLabelFileName(f.name));
  const texts = dropped.filter((f) => isTextFileName(f.name));
  const textLabels = texts.length <= MAX_TEXT_LABEL_FILES ? texts : [];
  const offered = dropped.filter((f) => !isLabelFileName(f.name) && !textLabels.includes(f));
  const storeOpen = offered.length > 0 && blockStoreIsOpen();
  if (storeOpen) say('warning', storeOpenRefusal(offered[0]!.name, offered.length));
  const files = storeOpen ? [] : offered;
  const { admitted, refused } = files.length > 0 ? await admitImageFiles(files) : { admitted: 0, refused: [] };
  for (const file of labelFiles) await applyLabelFile(file);
  for (const file of textLabels) {
    const refusal = await applyDroppedTextFile(file);
    if (refusal !== null) refused.push(refusal);
  }
  // One message per refused file for small drops; a summary for large ones.
  const total = files.length + textLabels.length;
  if (refused.length <= 5) refused.forEach((m) => say('error', m));
  else say('error', `${refused.length} of ${total} files were refused, e.g. ${refused[0]} (and ${refused.length - 1} more).`);
  if (admitted > 0) await embedPending();
}

/** Check each file and add the images among them; returns how many were admitted and why the others were refused. */
async function admitImageFiles(files: readonly File[]): Promise<{ admitted: number; refused: string[] }> {
  let admitted = 0;
  const refused: string[] = [];
  const notices: string[] = [];
  const duplicates: { name: string; of: string }[] = [];
  const byHash = new Map(
    collectionStore
      .getState()
      .images.filter((i) => i.contentHash !== null)
      .map((i) => [i.contentHash!, i.name]),
  );
  collectionStore.setState({ intake: { done: 0, total: files.length } });
  try {
    for (let start = 0; start < files.length; start += CHUNK) {
      const chunk = files.slice(start, start + CHUNK);
      const accepted: ImageEntry[] = [];
      await filesClient.request(
        { type: 'check-images', files: chunk },
        {
          onItem: ({ index, result }) => {
            const file = chunk[index]!;
            if (!result.ok) {
              refused.push(result.message);
              return;
            }
            if (result.notice) notices.push(result.notice);
            const same = byHash.get(result.contentHash);
            if (same !== undefined) duplicates.push({ name: file.name, of: same });
            else byHash.set(result.contentHash, file.name);
            const label = labelFromPath(file);
            accepted.push({
              id: nextImageId(),
              name: file.name,
              blob: file,
              url: URL.createObjectURL(file),
              bytes: file.size,
              width: result.width,
              height: result.height,
              label,
              labelSource: label === null ? null : 'folder names',
              contentHash: result.contentHash,
            });
          },
        },
      ).promise;
      addImages(accepted);
      admitted += accepted.length;
      collectionStore.setState({ intake: { done: Math.min(files.length, start + CHUNK), total: files.length } });
    }
  } catch (error) {
    const failure = describeFailure(error, 'check the files');
    sayFailure('error', `Checking the files stopped after ${admitted} were admitted: ${failure.message}`, failure);
  } finally {
    collectionStore.setState({ intake: null });
  }
  for (const n of notices.slice(0, 5)) say('info', n);
  if (notices.length > 5) say('info', `${notices.length - 5} more files came with notices like these.`);
  if (duplicates.length > 0) {
    const first = duplicates[0]!;
    const which =
      duplicates.length === 1
        ? `${first.name} has the same bytes as ${first.of}`
        : `${duplicates.length} files have the same bytes as images already here (e.g. ${first.name} and ${first.of})`;
    say(
      'warning',
      `${which}. ${duplicates.length === 1 ? 'It was' : 'They were'} added anyway: copies are each other's nearest neighbours at distance 0, which raises KNOR. Remove ${duplicates.length === 1 ? 'it' : 'them'} if that is not what you want.`,
    );
  }
  return { admitted, refused };
}

/** Add `count` procedural labelled images (PNG-encoded off the main thread by the browser). */
export async function addSampleImages(count: number, seed = Date.now() % 100000): Promise<void> {
  if (blockStoreIsOpen()) {
    say('warning', storeOpenRefusal('The sample images', count));
    return;
  }
  const entries: ImageEntry[] = [];
  for (let i = 0; i < count; i++) {
    const s = sampleImage(i, 160, seed);
    const canvas = new OffscreenCanvas(s.width, s.height);
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(s.rgba), s.width, s.height), 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const name = `sample-${String(i + 1).padStart(2, '0')}-${s.label}.png`;
    const contentHash = await hashBytes(new Uint8Array(await blob.arrayBuffer()));
    entries.push({
      id: nextImageId(),
      name,
      blob,
      url: URL.createObjectURL(blob),
      bytes: blob.size,
      width: s.width,
      height: s.height,
      label: s.label,
      labelSource: 'the sample generator',
      contentHash,
    });
  }
  addImages(entries);
  await embedPending();
}
