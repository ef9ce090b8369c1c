/**
 * Do concepts recur when the SAE is trained again with another seed (the second paper's stability
 * test)? The two dictionaries' concepts are paired one to one so that the summed cosine of the
 * paired decoder directions is largest (the Hungarian method, from `munkres`: exact, O(m³), fine
 * for the few hundred concepts trained here), and each concept's recurrence is its partner's cosine.
 * The paper's finding to look for: concepts that fire often recur; rare ones do not.
 */
import { munkres } from 'munkres';
import { rowCosines } from './topkSae.ts';

export interface DictionaryMatch {
  /** For each concept of the first dictionary, its partner in the second. */
  readonly partner: Int32Array;
  /** For each concept of the first dictionary, the cosine with its partner's direction. */
  readonly cosine: Float64Array;
}

/** One-to-one pairing of two dictionaries' rows ([m, d] each, the same m) maximising the summed cosine. */
export function matchDictionaries(first: Float32Array, second: Float32Array, m: number, d: number): DictionaryMatch {
  if (first.length !== m * d || second.length !== m * d) throw new RangeError(`matchDictionaries: expected two [${m}, ${d}] dictionaries`);
  const cos = rowCosines(first, m, second, m, d);
  // munkres minimises: the cost is 1 − cosine (in [0, 2]).
  const cost = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => 1 - cos[i * m + j]!));
  const partner = new Int32Array(m).fill(-1);
  const cosine = new Float64Array(m);
  for (const [i, j] of munkres(cost)) {
    partner[i] = j;
    cosine[i] = cos[i * m + j]!;
  }
  return { partner, cosine };
}
