/** The images the user added: files kept as Blobs (never uploaded), shown through object URLs. */
import { createStore } from 'zustand/vanilla';

export interface ImageEntry {
  readonly id: string;
  readonly name: string;
  readonly blob: Blob;
  /** Object URL for thumbnails; revoked on removal. */
  readonly url: string;
  readonly bytes: number;
  readonly width: number | null;
  readonly height: number | null;
  /** A label for retrieval precision (folder or sample class), if known. */
  readonly label: string | null;
  /** Where the label came from, for messages: a label file's name, "folder names", "the bundled set"; null without a label. */
  readonly labelSource: string | null;
  /** BLAKE3 of the file's bytes (core/identity): two images with the same bytes are the same image. Null when not known (stored by an older version). */
  readonly contentHash: string | null;
}

export interface CollectionState {
  readonly images: readonly ImageEntry[];
  /** Files being checked and admitted, for large drops. */
  readonly intake: { readonly done: number; readonly total: number } | null;
}

export const collectionStore = createStore<CollectionState>()(() => ({ images: [], intake: null }));

let counter = 0;
/** Unique across reloads too: restored images keep their ids. */
export function nextImageId(): string {
  counter += 1;
  return `img-${Date.now().toString(36)}-${counter}`;
}

export function addImages(entries: readonly ImageEntry[]): void {
  if (entries.length === 0) return;
  collectionStore.setState((s) => ({ images: [...s.images, ...entries] }));
}

/** A label and where it came from; null clears it. */
export type LabelChange = { readonly label: string; readonly source: string } | null;

/** Set the labels of the images named (by id); others keep theirs. */
export function setLabels(byId: ReadonlyMap<string, LabelChange>): void {
  if (byId.size === 0) return;
  collectionStore.setState((s) => ({
    images: s.images.map((i) => {
      if (!byId.has(i.id)) return i;
      const change = byId.get(i.id)!;
      const label = change?.label ?? null;
      const labelSource = change?.source ?? null;
      return label === i.label && labelSource === i.labelSource ? i : { ...i, label, labelSource };
    }),
  }));
}

export function removeImage(id: string): void {
  collectionStore.setState((s) => {
    const gone = s.images.find((i) => i.id === id);
    if (gone) URL.revokeObjectURL(gone.url);
    return { images: s.images.filter((i) => i.id !== id) };
  });
}
