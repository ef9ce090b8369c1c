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

/** Set the labels of the images named (by id); others keep theirs. */
export function setLabels(byId: ReadonlyMap<string, string>): void {
  if (byId.size === 0) return;
  collectionStore.setState((s) => ({ images: s.images.map((i) => (byId.has(i.id) && byId.get(i.id) !== i.label ? { ...i, label: byId.get(i.id)! } : i)) }));
}

export function removeImage(id: string): void {
  collectionStore.setState((s) => {
    const gone = s.images.find((i) => i.id === id);
    if (gone) URL.revokeObjectURL(gone.url);
    return { images: s.images.filter((i) => i.id !== id) };
  });
}
