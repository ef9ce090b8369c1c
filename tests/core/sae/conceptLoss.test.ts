/**
 * Concepts linked with the loss heatmap (core/sae/conceptLoss.ts): the rank AUC against counting
 * every pair, and the per-concept and lost/other figures against a direct recomputation on a small
 * case whose images are in another order in the reconstruction (and one is missing from it).
 */
import { describe, expect, it } from 'vitest';
import { conceptLossLink, rankAuc } from '../../../src/core/sae/conceptLoss.ts';
import { seededRandom } from '../../../src/core/random.ts';

function pairwiseAuc(a: number[], b: number[]): number {
  let wins = 0;
  for (const x of a) for (const y of b) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return wins / (a.length * b.length);
}

describe('concepts and patch loss', () => {
  it('computes the AUC as counting every pair does, ties counting half', () => {
    const random = seededRandom(8);
    // Rounded, so that ties happen within and across the groups.
    const a = Array.from({ length: 60 }, () => Math.round(random() * 10) / 2);
    const b = Array.from({ length: 45 }, () => Math.round(random() * 8) / 2);
    expect(rankAuc(a, b)).toBeCloseTo(pairwiseAuc(a, b), 12);
    expect(rankAuc([3, 4], [1, 2])).toBe(1);
    expect(rankAuc([1], [1])).toBe(0.5);
    expect(rankAuc([], [1])).toBeNaN();
  });

  it('weights each concept’s patches by its activation and splits patches by whether a lost concept fires there', () => {
    // Two images of three patches, k = 2, four concepts; concept 3 is lost.
    const codeIds = ['a', 'b'];
    const indices = Int32Array.from([0, 3, 1, 2, 0, 1, 3, 2, 0, 1, 2, 0]);
    const values = Float32Array.from([1, 2, 1, 0, 2, 1, 1, 1, 3, 0, 1, 1]);
    // The reconstruction lists b first, then an image the concepts never saw.
    const lossIds = ['b', 'a', 'c'];
    const perPatch = Float32Array.from([0.4, 0.5, 0.6, 1, 2, 3, 9, 9, 9]);
    const link = conceptLossLink({ codes: { n: 6, k: 2, indices, values }, codeIds, latents: 4, lost: new Set([3]), perPatch, lossIds, tokens: 3 })!;
    // Direct: patch (image, t) → loss, and its active (concept, value) pairs.
    const loss: Record<string, number[]> = { a: [1, 2, 3], b: [0.4, 0.5, 0.6] };
    const sums = [0, 0, 0, 0];
    const weights = [0, 0, 0, 0];
    const lostLoss: number[] = [];
    const otherLoss: number[] = [];
    codeIds.forEach((id, i) =>
      [0, 1, 2].forEach((t) => {
        let touches = false;
        for (let p = 0; p < 2; p++) {
          const v = values[(i * 3 + t) * 2 + p]!;
          const c = indices[(i * 3 + t) * 2 + p]!;
          if (v > 0) {
            sums[c]! += v * loss[id]![t]!;
            weights[c]! += v;
            if (c === 3) touches = true;
          }
        }
        (touches ? lostLoss : otherLoss).push(loss[id]![t]!);
      }),
    );
    expect(link.images).toBe(2);
    for (let c = 0; c < 4; c++) expect(link.perConcept[c]).toBeCloseTo(sums[c]! / weights[c]!, 6);
    expect(link.lostPatches.patches).toBe(lostLoss.length);
    expect(link.lostPatches.meanLoss).toBeCloseTo(lostLoss.reduce((s, v) => s + v, 0) / lostLoss.length, 6);
    expect(link.otherPatches.meanLoss).toBeCloseTo(otherLoss.reduce((s, v) => s + v, 0) / otherLoss.length, 6);
    expect(link.auc).toBeCloseTo(pairwiseAuc(lostLoss, otherLoss), 12);
  });

  it('draws no link for pooled codes or when no image is shared', () => {
    const codes = { n: 2, k: 1, indices: Int32Array.from([0, 0]), values: Float32Array.from([1, 1]) };
    const base = { codes, codeIds: ['a', 'b'], latents: 1, lost: new Set<number>(), perPatch: new Float32Array(6), tokens: 3 };
    expect(conceptLossLink({ ...base, lossIds: ['a', 'b'] })).toBeNull();
    expect(conceptLossLink({ ...base, tokens: 1, perPatch: new Float32Array(2), lossIds: ['x', 'y'] })).toBeNull();
  });
});
