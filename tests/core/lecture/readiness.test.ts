import { describe, expect, it } from 'vitest';
import { connectorName, connectorStory } from '../../../src/core/lecture/connectorStory.ts';
import { missingFor, type LectureFacts } from '../../../src/core/lecture/readiness.ts';
import { LECTURE_STEPS } from '../../../src/core/lecture/steps.ts';

const ready: LectureFacts = {
  packStatus: 'ready',
  images: 12,
  imageEmbedded: true,
  knorBlocked: null,
  hasKnor: true,
  imageInKnor: true,
  embedded: 12,
  minTrainImages: 4,
  hasReconstruction: true,
  imageInReconstruction: true,
  minConceptImages: 8,
};
const missing = (over: Partial<LectureFacts>) => Object.fromEntries(LECTURE_STEPS.map((s) => [s.id, missingFor(s.id, { ...ready, ...over })]));

describe('missingFor', () => {
  it('asks for nothing when everything is there', () => {
    expect(Object.values(missing({})).every((m) => m === null)).toBe(true);
  });

  it('says how to add images when there are none, on every step', () => {
    for (const m of Object.values(missing({ images: 0, embedded: 0, hasKnor: false }))) expect(m).toMatch(/^No images yet\. Press Esc, then drop images/);
  });

  it('waits for the pack, or says to pick one, past the image step', () => {
    const loading = missing({ packStatus: 'loading' });
    expect(loading['image']).toBeNull();
    expect(loading['connector']).toMatch(/still loading/);
    expect(missing({ packStatus: 'error' })['heatmap']).toMatch(/Model pack list/);
  });

  it('passes on why KNOR is blocked (k + 1 images) to both neighbour steps', () => {
    const why = 'KNOR with k = 10 needs at least 11 images; 4 are embedded. Add 7 more or lower k.';
    const m = missing({ knorBlocked: why, hasKnor: false, embedded: 4 });
    expect([m['neighbours'], m['knor']]).toEqual([why, why]);
    expect([m['encoder'], m['connector'], m['reconstruction']]).toEqual([null, null, null]);
  });

  it('names the image that is not in the neighbour search, but still shows KNOR', () => {
    const m = missing({ imageInKnor: false });
    expect(m['neighbours']).toMatch(/not part of the neighbour search/);
    expect(m['knor']).toBeNull();
  });

  it('asks for enough images to train, then for a training run, then for a retrain', () => {
    expect(missing({ embedded: 3 })['reconstruction']).toBe(
      'Training needs at least 4 embedded images; 3 are. Press Esc, then drop images onto the page or add the sample set.',
    );
    expect(missing({ embedded: 1 })['reconstruction']).toMatch(/; 1 is\./);
    expect(missing({ hasReconstruction: false, imageInReconstruction: false })['heatmap']).toBe('No reconstruction yet: go back to step 6 and train one.');
    expect(missing({ imageInReconstruction: false })['heatmap']).toMatch(/retrain on step 6/);
  });

  it('asks for enough images to find concepts; with them, the concept step needs no reconstruction', () => {
    expect(missing({ embedded: 5 })['concepts']).toBe(
      'Finding concepts needs at least 8 embedded images; 5 are. Press Esc, then drop images onto the page or add the sample set.',
    );
    expect(missing({ hasReconstruction: false, imageInReconstruction: false })['concepts']).toBeNull();
  });

  it('waits for the image to be embedded on the encoder step', () => {
    expect(missing({ imageEmbedded: false })['encoder']).toMatch(/not been embedded yet/);
  });
});

describe('connectorStory', () => {
  it('describes each family with its own numbers', () => {
    expect(connectorStory({ family: 'mlp' })).toMatch(/as many tokens come out as went in/);
    expect(connectorStory({ family: 'merger', mergeSize: 2 })).toMatch(/2 × 2 block.*4 patches become one token/);
    expect(connectorStory({ family: 'pixel-shuffle', scale: 3 })).toMatch(/3 × 3 block/);
    expect(connectorStory({ family: 'perceiver', queries: 16 })).toMatch(/^16 learned queries/);
    expect(connectorName('pixel-shuffle')).toBe('Pixel shuffle');
  });
});
