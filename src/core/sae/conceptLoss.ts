/**
 * Concepts and the loss heatmap, linked (docs/method.md, "Concepts and patch loss"): do the patches
 * where a concept lost at the connector fires carry high reconstruction loss? Both are per patch
 * token before the connector, on the images the concept analysis and the reconstruction share.
 *
 * - Per concept: the mean patch loss over the patches where it fires, weighted by its activation.
 * - Lost against the rest: the mean loss of patches where at least one lost concept fires (among
 *   the patch's k active concepts), the mean of the others, and the rank statistic
 *   AUC = P(loss of a lost-concept patch > loss of another patch), ties counting half: 0.5 means
 *   no link, 1 that every lost-concept patch is worse than every other.
 */
import type { SparseCodes } from './topkSae.ts';

export interface ConceptLossInput {
  /** The pre SAE's codes, one row per patch token, image-major over codeIds. */
  readonly codes: SparseCodes;
  readonly codeIds: readonly string[];
  readonly latents: number;
  /** The pre concepts with no counterpart after the connector. */
  readonly lost: ReadonlySet<number>;
  /** The reconstruction's standardised patch loss [lossIds.length, tokens]. */
  readonly perPatch: Float32Array;
  readonly lossIds: readonly string[];
  readonly tokens: number;
}

export interface PatchGroup {
  readonly patches: number;
  /** NaN when the group is empty. */
  readonly meanLoss: number;
}

export interface ConceptLossLink {
  /** Images both results cover. */
  readonly images: number;
  /** Per pre concept, the activation-weighted mean loss of the patches where it fires; NaN where it fires on none. */
  readonly perConcept: Float64Array;
  readonly lostPatches: PatchGroup;
  readonly otherPatches: PatchGroup;
  /** P(a lost-concept patch's loss > another patch's), ties half; NaN when either group is empty. */
  readonly auc: number;
}

/**
 * The link, or null when there is none to draw: the codes are not one row per patch token of the
 * reconstruction (pooled vectors, another token count) or the two share no image.
 */
export function conceptLossLink(input: ConceptLossInput): ConceptLossLink | null {
  const { codes, codeIds, latents, lost, perPatch, lossIds, tokens } = input;
  if (codes.n !== codeIds.length * tokens || perPatch.length !== lossIds.length * tokens) return null;
  const lossRow = new Map(lossIds.map((id, row) => [id, row]));
  const weighted = new Float64Array(latents);
  const weights = new Float64Array(latents);
  const inLost: number[] = [];
  const inOther: number[] = [];
  let images = 0;
  codeIds.forEach((id, codeRow) => {
    const row = lossRow.get(id);
    if (row === undefined) return;
    images += 1;
    for (let t = 0; t < tokens; t++) {
      const loss = perPatch[row * tokens + t]!;
      if (!Number.isFinite(loss)) continue;
      const base = (codeRow * tokens + t) * codes.k;
      let touchesLost = false;
      for (let p = 0; p < codes.k; p++) {
        const v = codes.values[base + p]!;
        if (v <= 0) continue;
        const concept = codes.indices[base + p]!;
        weighted[concept]! += v * loss;
        weights[concept]! += v;
        if (lost.has(concept)) touchesLost = true;
      }
      (touchesLost ? inLost : inOther).push(loss);
    }
  });
  if (images === 0) return null;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  return {
    images,
    perConcept: weighted.map((w, c) => (weights[c]! > 0 ? w / weights[c]! : Number.NaN)),
    lostPatches: { patches: inLost.length, meanLoss: mean(inLost) },
    otherPatches: { patches: inOther.length, meanLoss: mean(inOther) },
    auc: rankAuc(inLost, inOther),
  };
}

/** P(x > y) for x from `a`, y from `b`, ties half: the Mann–Whitney U over |a| · |b|, from mid-ranks. */
export function rankAuc(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return Number.NaN;
  const all = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))].sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    // Ranks i + 1 .. j share their mean.
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (all[t]!.fromA) rankSumA += midRank;
    i = j;
  }
  return (rankSumA - (a.length * (a.length + 1)) / 2) / (a.length * b.length);
}
