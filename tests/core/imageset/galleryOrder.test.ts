/**
 * The gallery's order and filters against hand-written expectations and a brute-force sort:
 * numbers in names read as numbers, missing values last in collection order, filters combine.
 */
import { describe, expect, it } from 'vitest';
import { galleryOrder, labelCounts, type GalleryView } from '../../../src/core/imageset/galleryOrder.ts';
import { seededRandom } from '../../../src/core/random.ts';

const images = [
  { id: 'a', name: 'img-10.png', label: 'dog' },
  { id: 'b', name: 'img-2.png', label: 'cat' },
  { id: 'c', name: 'Img-1.png', label: null },
  { id: 'd', name: 'zebra.png', label: 'cat' },
  { id: 'e', name: 'apple.png', label: 'dog' },
];
const all: GalleryView = { sort: 'collection', label: null, query: '', picked: null };
const values = {
  knor: new Map([
    ['a', 0.5],
    ['b', 0.2],
    ['d', 0.5],
    ['e', 0.9],
  ]),
  loss: new Map([
    ['c', 0.3],
    ['d', 0.7],
  ]),
};
const ids = (view: Partial<GalleryView>) => galleryOrder(images, { ...all, ...view }, values).map((i) => i.id);

describe('galleryOrder', () => {
  it('keeps collection order, and sorts names with numbers read as numbers, case aside', () => {
    expect(ids({})).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ids({ sort: 'name' })).toEqual(['e', 'c', 'b', 'a', 'd']);
  });

  it('sorts by label, unlabelled last, then by name', () => {
    expect(ids({ sort: 'label' })).toEqual(['b', 'd', 'e', 'a', 'c']);
  });

  it('sorts KNOR ascending and loss descending, ties and missing values in collection order', () => {
    expect(ids({ sort: 'knor' })).toEqual(['b', 'a', 'd', 'e', 'c']);
    expect(ids({ sort: 'loss' })).toEqual(['d', 'c', 'a', 'b', 'e']);
  });

  it('filters by label (unlabelled as empty), name text and a picked set, together', () => {
    expect(ids({ label: 'cat' })).toEqual(['b', 'd']);
    expect(ids({ label: '' })).toEqual(['c']);
    expect(ids({ query: ' IMG-1' })).toEqual(['a', 'c']);
    expect(ids({ picked: new Set(['a', 'd', 'e']), label: 'dog', sort: 'name' })).toEqual(['e', 'a']);
  });

  it('orders a large random set as a brute-force stable sort does', () => {
    const random = seededRandom(4);
    const many = Array.from({ length: 500 }, (_, i) => ({ id: `i${i}`, name: `n${Math.floor(random() * 50)}`, label: null }));
    const loss = new Map(many.filter(() => random() < 0.8).map((image) => [image.id, Math.round(random() * 20) / 20]));
    const ours = galleryOrder(many, { ...all, sort: 'loss' }, { knor: new Map(), loss }).map((i) => i.id);
    const withValue = many.filter((i) => loss.has(i.id));
    const expected = [...withValue.map((image, i) => ({ image, i }))]
      .sort((x, y) => loss.get(y.image.id)! - loss.get(x.image.id)! || x.i - y.i)
      .map((x) => x.image.id);
    expect(ours).toEqual([...expected, ...many.filter((i) => !loss.has(i.id)).map((i) => i.id)]);
  });
});

describe('labelCounts', () => {
  it('counts each label, sorted, unlabelled last', () => {
    expect(labelCounts(images)).toEqual([
      { label: 'cat', count: 2 },
      { label: 'dog', count: 2 },
      { label: '', count: 1 },
    ]);
  });
});
