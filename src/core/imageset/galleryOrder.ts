/**
 * Which images the gallery shows, and in what order: filtered by label, by a text in the name,
 * and by a set picked on the maps; sorted by collection order, name, label, KNOR (fewest
 * neighbours kept first) or reconstruction loss (worst first). Images without the value a sort
 * needs (not embedded yet, no reconstructor) go last, in collection order. Names compare with
 * numbers in them read as numbers ("img-2" before "img-10").
 */

export type GallerySort = 'collection' | 'name' | 'label' | 'knor' | 'loss';

export interface GalleryImage {
  readonly id: string;
  readonly name: string;
  readonly label: string | null;
}

export interface GalleryView {
  readonly sort: GallerySort;
  /** Only this label; null: every label. '' means images without a label. */
  readonly label: string | null;
  /** Case-insensitive text the name must contain; '' matches all. */
  readonly query: string;
  /** Only these ids (the maps' lasso); null: no such filter. */
  readonly picked: ReadonlySet<string> | null;
}

const names = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function galleryOrder<T extends GalleryImage>(
  images: readonly T[],
  view: GalleryView,
  values: { readonly knor: ReadonlyMap<string, number>; readonly loss: ReadonlyMap<string, number> },
): T[] {
  const query = view.query.trim().toLowerCase();
  const shown = images.filter(
    (image) =>
      (view.picked === null || view.picked.has(image.id)) &&
      (view.label === null || (image.label ?? '') === view.label) &&
      (query === '' || image.name.toLowerCase().includes(query)),
  );
  if (view.sort === 'collection') return shown;
  const position = new Map(images.map((image, i) => [image.id, i]));
  const byPosition = (a: T, b: T) => position.get(a.id)! - position.get(b.id)!;
  const compare: (a: T, b: T) => number =
    view.sort === 'name'
      ? (a, b) => names.compare(a.name, b.name) || byPosition(a, b)
      : view.sort === 'label'
        ? (a, b) => names.compare(a.label ?? '\uffff', b.label ?? '\uffff') || names.compare(a.name, b.name) || byPosition(a, b)
        : byValue(view.sort === 'knor' ? values.knor : values.loss, view.sort === 'knor' ? 1 : -1, byPosition);
  return [...shown].sort(compare);
}

/** Ascending (direction 1) or descending (−1) by a value; images without one last. */
function byValue<T extends GalleryImage>(values: ReadonlyMap<string, number>, direction: 1 | -1, tie: (a: T, b: T) => number): (a: T, b: T) => number {
  return (a, b) => {
    const va = values.get(a.id);
    const vb = values.get(b.id);
    if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? tie(a, b) : 1) : -1;
    return direction * (va - vb) || tie(a, b);
  };
}

/** The labels present, sorted, with how many images carry each ('' for unlabelled, when any). */
export function labelCounts(images: readonly GalleryImage[]): { readonly label: string; readonly count: number }[] {
  const counts = new Map<string, number>();
  for (const image of images) counts.set(image.label ?? '', (counts.get(image.label ?? '') ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => (a.label === '' ? 1 : b.label === '' ? -1 : names.compare(a.label, b.label)));
}
