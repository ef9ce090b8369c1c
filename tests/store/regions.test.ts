/**
 * Regions in the store (store/regions.ts): COCO boxes fitted to the images decoded here before they
 * are placed on the crop, and boxes dropped, aloud, when a model that cuts its crop another way opens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PackManifest } from '../../src/core/types.ts';
import { collectionStore, type ImageEntry } from '../../src/store/collectionStore.ts';
import { modelStore } from '../../src/store/modelStore.ts';
import { addBox, applyImportedRegions, recomputeRegionsOnChanges, regionsStore } from '../../src/store/regions.ts';
import { createPipelineSession } from '../../src/store/session.ts';
import { uiStore } from '../../src/store/uiStore.ts';
import { VIT_MLP_MANIFEST } from '../support/storeFixtures.ts';

const image = (id: string, width: number, height: number): ImageEntry => ({
  id,
  name: `${id}.png`,
  blob: new Blob([id]),
  url: `blob:${id}`,
  bytes: 1,
  width,
  height,
  label: null,
  labelSource: null,
  contentHash: null,
});
const withResize = (resize: 'shortest-edge' | 'stretch', size = VIT_MLP_MANIFEST.image.size): PackManifest => ({
  ...VIT_MLP_MANIFEST,
  image: { ...VIT_MLP_MANIFEST.image, size },
  preprocess: { ...VIT_MLP_MANIFEST.preprocess, resize, crop: resize === 'stretch' ? 'none' : 'center' },
});
const texts = () => uiStore.getState().messages.map((m) => m.text);

afterEach(() => {
  collectionStore.setState(collectionStore.getInitialState(), true);
  modelStore.setState(modelStore.getInitialState(), true);
  regionsStore.setState(regionsStore.getInitialState(), true);
  uiStore.setState({ messages: [] });
});

describe('imported regions', () => {
  it('are placed as declared, scaled onto the same picture at another resolution, and refused on another shape, each said', async () => {
    modelStore.setState({ manifest: withResize('stretch') });
    collectionStore.setState({ images: [image('a', 100, 50), image('b', 100, 50), image('c', 100, 50)] });
    const box = { x: 0, y: 0, width: 50, height: 25 };
    const count = await applyImportedRegions(
      [
        { fileName: 'a.png', width: 100, height: 50, boxes: [box] },
        { fileName: 'b.png', width: 200, height: 100, boxes: [{ x: 0, y: 0, width: 100, height: 50 }] },
        { fileName: 'c.png', width: 50, height: 100, boxes: [box] },
      ],
      'r.json',
    );
    expect(count).toBe(2);
    // A stretched whole image: crop fractions are image fractions, the top-left quarter for both.
    const quarter = [{ x: 0, y: 0, width: 0.5, height: 0.5 }];
    const { boxes } = regionsStore.getState();
    expect(Object.keys(boxes).sort()).toEqual(['a', 'b']);
    for (const id of ['a', 'b'])
      boxes[id]!.forEach((b, i) => (['x', 'y', 'width', 'height'] as const).forEach((k) => expect(b[k]).toBeCloseTo(quarter[i]![k], 12)));
    const said = texts().at(-1)!;
    expect(said).toContain('2 images got regions');
    expect(said).toContain('1 region was scaled');
    expect(said).toContain('c.png: declared 50 × 100, is 100 × 50');
  });
});

describe('a model that cuts its crop another way', () => {
  it('drops the boxes and says so; one that cuts it the same way (another size) keeps them', () => {
    const unwire = recomputeRegionsOnChanges(createPipelineSession({ inference: {} as never, analysis: {} as never, training: {} as never }));
    try {
      modelStore.setState({ manifest: withResize('shortest-edge') });
      addBox('a', { x: 0.1, y: 0.1, width: 0.2, height: 0.2 });
      modelStore.setState({ manifest: withResize('shortest-edge', 448) });
      expect(Object.keys(regionsStore.getState().boxes)).toEqual(['a']);
      expect(texts()).toEqual([]);

      modelStore.setState({ manifest: withResize('stretch') });
      expect(regionsStore.getState().boxes).toEqual({});
      expect(texts().at(-1)).toMatch(/regions on 1 image were removed: they were drawn on a centre-square crop/);
    } finally {
      unwire();
    }
  });
});
