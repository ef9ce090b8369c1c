/** Removing an image offers Undo, which puts it back in its place with its results (store/removal.ts). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analysisStore, emptyAnalysis } from '../../src/store/analysisStore.ts';
import { collectionStore, type ImageEntry } from '../../src/store/collectionStore.ts';
import { removeWithUndo } from '../../src/store/removal.ts';
import { uiStore } from '../../src/store/uiStore.ts';

const image = (id: string): ImageEntry => ({
  id,
  name: `folder/${id}.png`,
  blob: new Blob([id]),
  url: `blob:${id}`,
  bytes: 1,
  width: 1,
  height: 1,
  label: null,
  labelSource: null,
  contentHash: null,
});

afterEach(() => {
  collectionStore.setState({ images: [], intake: null });
  uiStore.setState({ messages: [] });
  analysisStore.setState(emptyAnalysis(null));
  vi.restoreAllMocks();
});

describe('remove with undo', () => {
  it('says what was removed and offers Undo, which puts it back in its place', async () => {
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:again');
    collectionStore.setState({ images: ['a', 'b', 'c'].map(image) });
    removeWithUndo('b');
    expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['a', 'c']);
    const message = uiStore.getState().messages.at(-1)!;
    expect(message.text).toBe('Removed b.png.');
    expect(message.actions.map((a) => a.label)).toEqual(['Undo']);
    message.actions[0]!.run();
    await vi.waitFor(() => expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['a', 'b', 'c']));
    // The old object URL was revoked with the removal: the image is shown through a new one.
    expect(collectionStore.getState().images[1]!.url).toBe('blob:again');
    // Undo twice puts it back once.
    message.actions[0]!.run();
    expect(collectionStore.getState().images.map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });
});
