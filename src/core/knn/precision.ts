/**
 * Retrieval precision@k (docs/method.md, "Retrieval"): for a labelled query i, the share of its k
 * neighbours that carry i's label. Run it on NN_pre and on NN_post to compare retrieval before and
 * after the connector.
 *
 * Labels are integer ids, UNLABELED (-1) for an image without one:
 * - an unlabelled query has no precision: perImage is NaN there and it is left out of the mean;
 * - an unlabelled neighbour is a miss (the denominator stays k: it is one of the k retrieved).
 * With self included (paper-compatible lists) the query retrieves itself, a guaranteed hit.
 */
import { checkNeighbourLists } from './knor.ts';

export const UNLABELED = -1;

export interface PrecisionAtK {
  /** [n]; NaN for unlabelled queries. */
  readonly perImage: Float32Array;
  /** Mean over labelled queries (float64); NaN when none is labelled. */
  readonly mean: number;
  /** How many queries carried a label and were averaged. */
  readonly labelled: number;
}

export function precisionAtK(neighbours: Int32Array, n: number, k: number, labels: Int32Array): PrecisionAtK {
  checkNeighbourLists(neighbours, n, k);
  if (labels.length !== n) throw new RangeError(`invalid labels: expected ${n} entries (one per image), got ${labels.length}`);
  for (let i = 0; i < n; i++) {
    if (labels[i]! < UNLABELED) throw new RangeError(`invalid labels: entry ${i} is ${labels[i]}, expected a label id >= 0 or ${UNLABELED} (unlabelled)`);
  }
  const perImage = new Float32Array(n);
  let total = 0;
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (label === UNLABELED) {
      perImage[i] = Number.NaN;
      continue;
    }
    let hits = 0;
    for (let a = 0; a < k; a++) if (labels[neighbours[i * k + a]!] === label) hits++;
    perImage[i] = hits / k;
    total += hits / k;
    labelled++;
  }
  return { perImage, mean: labelled > 0 ? total / labelled : Number.NaN, labelled };
}

export interface PrecisionCeiling {
  /** Mean over labelled queries of the best precision@k any neighbour lists could give them. */
  readonly mean: number;
  /** Labelled queries whose class is too small to fill k neighbours with its own label. */
  readonly limited: number;
  /** Images in the smallest labelled class. */
  readonly smallestClass: number;
}

/**
 * The best precision@k these labels allow, whatever the embedding: a labelled query can retrieve
 * at most (its class size - 1) images of its own label, plus itself when self is counted, so a
 * class smaller than k caps its queries below 1. Context for the measured values (a precision of
 * 0.8 where 0.8 is the ceiling is perfect retrieval). Unlabelled queries are left out, as in
 * precisionAtK; unlabelled images can never be hits.
 */
export function precisionCeiling(labels: Int32Array, k: number, includeSelf: boolean): PrecisionCeiling {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`invalid k: ${k} (expected a positive integer)`);
  const classSize = new Map<number, number>();
  for (const label of labels) if (label !== UNLABELED) classSize.set(label, (classSize.get(label) ?? 0) + 1);
  let total = 0;
  let labelled = 0;
  let limited = 0;
  for (const label of labels) {
    if (label === UNLABELED) continue;
    const sameLabel = classSize.get(label)! - (includeSelf ? 0 : 1);
    const best = Math.min(k, sameLabel) / k;
    if (best < 1) limited++;
    total += best;
    labelled++;
  }
  return { mean: labelled > 0 ? total / labelled : Number.NaN, limited, smallestClass: classSize.size > 0 ? Math.min(...classSize.values()) : 0 };
}

/**
 * Label names (a folder name, a CSV column; null, undefined or '' for none) to ids in order of
 * first appearance, with the names indexed by id.
 */
export function labelIds(names: ReadonlyArray<string | null | undefined>): { readonly ids: Int32Array; readonly classes: readonly string[] } {
  const ids = new Int32Array(names.length);
  const byName = new Map<string, number>();
  const classes: string[] = [];
  names.forEach((name, i) => {
    if (name === null || name === undefined || name === '') {
      ids[i] = UNLABELED;
      return;
    }
    let id = byName.get(name);
    if (id === undefined) {
      id = classes.length;
      byName.set(name, id);
      classes.push(name);
    }
    ids[i] = id;
  });
  return { ids, classes };
}
