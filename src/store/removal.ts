/**
 * Removing an image, with Undo: the message that says it was removed offers to put it back, in its
 * place, with its results (they stay in memory for the open model, so nothing is embedded again;
 * storage writes the image back as a new arrival).
 */
import { analysisStore } from './analysisStore.ts';
import { collectionStore, removeImage, type ImageEntry } from './collectionStore.ts';
import { embedPending } from './embedding.ts';
import { computeKnor } from './neighbours.ts';
import { say } from './uiStore.ts';

export function removeWithUndo(id: string): void {
  const images = collectionStore.getState().images;
  const index = images.findIndex((i) => i.id === id);
  const removed = images[index];
  if (!removed) return;
  removeImage(id);
  const name = removed.name.slice(removed.name.lastIndexOf('/') + 1);
  say('info', `Removed ${name}.`, { actions: [{ label: 'Undo', run: () => void putBack(removed, index) }] });
}

/** The image back where it was (its old object URL was revoked on removal: a new one is made). */
export async function putBack(entry: ImageEntry, index: number): Promise<void> {
  if (collectionStore.getState().images.some((i) => i.id === entry.id)) return;
  const restored: ImageEntry = { ...entry, url: URL.createObjectURL(entry.blob) };
  collectionStore.setState((s) => ({ images: [...s.images.slice(0, index), restored, ...s.images.slice(index)] }));
  // Its embedding is still here for the open model: KNOR takes it in at once; otherwise it is embedded.
  if (analysisStore.getState().embeddings[entry.id]) await computeKnor();
  else await embedPending();
}
