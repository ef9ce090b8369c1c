/**
 * Files in: each is checked (size, magic bytes, truncation, pixel budget) before it joins the
 * collection. A bad file gets a message naming it and what to do; the rest of the drop and
 * everything already loaded stay.
 */
import { sniffImage } from '../core/image/sniff.ts';
import { sampleImage } from '../core/image/sampleImages.ts';
import { MAX_DECODE_PIXELS } from '../workers/decodeImage.ts';
import { addImages, nextImageId, type ImageEntry } from './collectionStore.ts';
import { embedPending } from './pipeline.ts';
import { say } from './uiStore.ts';

export const MAX_FILE_BYTES = 100 * 1024 * 1024;

async function check(file: File): Promise<ImageEntry | string> {
  if (file.size === 0) return `${file.name} is empty (0 bytes). Add the image file itself.`;
  if (file.size > MAX_FILE_BYTES) return `${file.name} is ${(file.size / 1e6).toFixed(0)} MB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit. Downscale or re-compress it.`;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sniffed = sniffImage(bytes, file.name);
  if (!sniffed.ok) return sniffed.error.message;
  const { width, height } = sniffed;
  if (width !== undefined && height !== undefined && width * height > MAX_DECODE_PIXELS) {
    return `${file.name} is ${width} x ${height} pixels, over the ${MAX_DECODE_PIXELS / 1e6} MP limit. Downscale it and add it again.`;
  }
  const label = labelFromPath(file);
  return { id: nextImageId(), name: file.name, blob: file, url: URL.createObjectURL(file), bytes: file.size, width: width ?? null, height: height ?? null, label };
}

/** A dropped folder's name is the label (ImageNet-style layouts). */
function labelFromPath(file: File): string | null {
  const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
  const parts = path.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : null;
}

export async function addFiles(files: readonly File[]): Promise<void> {
  const accepted: ImageEntry[] = [];
  for (const file of files) {
    const result = await check(file);
    if (typeof result === 'string') say('error', result);
    else accepted.push(result);
  }
  addImages(accepted);
  if (accepted.length > 0) await embedPending();
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
