/**
 * Co-activation on corresponding patches (core/sae/tokenUnits.ts): units from the real
 * connectors' routing, unit activations against a direct mean over each block, sparse
 * correlations against the dense two-pass Pearson (core/sae/conceptSurvival.ts), and a planted
 * case that only the patch units tell apart: a post concept on the same images but other patches.
 */
import { describe, expect, it } from 'vitest';
import { tokenRouting } from '../../../src/core/geometry/connectorGeometry.ts';
import { columnCorrelations, denseActivations, matchConcepts } from '../../../src/core/sae/conceptSurvival.ts';
import { preActivationsOnUnits, sparseCorrelations, sparseRowsOfCodes, unitsFromRouting } from '../../../src/core/sae/tokenUnits.ts';
import type { SparseCodes } from '../../../src/core/sae/topkSae.ts';
import { seededRandom, shuffledIndices } from '../../../src/core/random.ts';

/** Random TopK codes: k distinct latents a row, about a third of them zero. */
function randomCodes(n: number, k: number, latents: number, seed: number): SparseCodes {
  const random = seededRandom(seed);
  const indices = new Int32Array(n * k);
  const values = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    const pick = shuffledIndices(latents, random);
    for (let p = 0; p < k; p++) {
      indices[r * k + p] = pick[p]!;
      values[r * k + p] = random() < 0.33 ? 0 : random() * 3;
    }
  }
  return { n, k, indices, values };
}

function denseOf(rows: ReturnType<typeof sparseRowsOfCodes>, m: number): Float32Array {
  const out = new Float32Array(rows.n * m);
  for (let r = 0; r < rows.n; r++) for (let e = rows.offsets[r]!; e < rows.offsets[r + 1]!; e++) out[r * m + rows.indices[e]!]! += rows.values[e]!;
  return out;
}

describe('concept co-activation on corresponding patches', () => {
  it('builds units from the real connectors’ routing: one patch each for the MLP, 2 × 2 blocks for the merger, none for the perceiver', () => {
    const mlp = unitsFromRouting(tokenRouting({ family: 'mlp' }, [4, 4]), 16);
    expect(mlp).toEqual(Array.from({ length: 16 }, (_, p) => [p]));
    const merger = unitsFromRouting(tokenRouting({ family: 'merger', mergeSize: 2 }, [4, 4]), 4);
    expect(merger).toEqual([
      [0, 1, 4, 5],
      [2, 3, 6, 7],
      [8, 9, 12, 13],
      [10, 11, 14, 15],
    ]);
    expect(unitsFromRouting(tokenRouting({ family: 'perceiver', queries: 8 }, [4, 4]), 8)).toBeNull();
    // A post token made from no patch is not a correspondence either.
    expect(unitsFromRouting([0, 0, 1, 1], 3)).toBeNull();
  });

  it('averages each pre concept over the patches of each post token', () => {
    const images = 3;
    const tokensPre = 16;
    const latents = 12;
    const codes = randomCodes(images * tokensPre, 4, latents, 1);
    const units = unitsFromRouting(tokenRouting({ family: 'merger', mergeSize: 2 }, [4, 4]), 4)!;
    const got = denseOf(preActivationsOnUnits(codes, images, tokensPre, units), latents);
    const dense = denseActivations(codes, latents);
    for (let i = 0; i < images; i++)
      for (let j = 0; j < units.length; j++)
        for (let c = 0; c < latents; c++) {
          const mean = units[j]!.reduce((s, patch) => s + dense[(i * tokensPre + patch) * latents + c]!, 0) / units[j]!.length;
          expect(got[(i * units.length + j) * latents + c]).toBeCloseTo(mean, 6);
        }
  });

  it('correlates sparse rows exactly as the dense two-pass Pearson does', () => {
    const n = 500;
    const a = sparseRowsOfCodes(randomCodes(n, 5, 20, 2));
    const b = sparseRowsOfCodes(randomCodes(n, 3, 16, 3));
    const sparse = sparseCorrelations(a, 20, b, 16);
    const dense = columnCorrelations(denseOf(a, 20), 20, denseOf(b, 16), 16, n);
    for (let i = 0; i < sparse.length; i++) expect(sparse[i]).toBeCloseTo(dense[i]!, 9);
    // A latent that never fires is constant: no correlation.
    const silent = sparseRowsOfCodes({ n: 2, k: 1, indices: Int32Array.from([0, 0]), values: Float32Array.from([1, 2]) });
    const other = sparseRowsOfCodes({ n: 2, k: 1, indices: Int32Array.from([0, 0]), values: Float32Array.from([3, 1]) });
    expect(Array.from(sparseCorrelations(silent, 2, other, 1))).toEqual([-1, 0]);
  });

  it('tells a counterpart on the same patches from one on the same images but other patches', () => {
    // MLP routing (one patch a unit), 200 images of 4 patches. Pre concept 0 fires on patch 0 of
    // even images. Post concept 0 fires on exactly those patches; post concept 1 fires on the same
    // images but on patch 3. Over images both look like perfect twins; over patches only 0 is.
    const images = 200;
    const tokens = 4;
    const codes = (fires: (i: number, t: number) => number): SparseCodes => {
      const indices = new Int32Array(images * tokens);
      const values = new Float32Array(images * tokens);
      for (let i = 0; i < images; i++) for (let t = 0; t < tokens; t++) values[i * tokens + t] = fires(i, t);
      return { n: images * tokens, k: 1, indices, values };
    };
    const pre = codes((i, t) => (i % 2 === 0 && t === 0 ? 1 + (i % 7) / 7 : 0));
    const sameSpot = codes((i, t) => (i % 2 === 0 && t === 0 ? 1 + (i % 7) / 7 : 0));
    const elsewhere = codes((i, t) => (i % 2 === 0 && t === 3 ? 1 + (i % 7) / 7 : 0));
    const units = unitsFromRouting(tokenRouting({ family: 'mlp' }, [2, 2]), tokens)!;
    const perImage = (c: SparseCodes) => {
      const out = new Float32Array(images);
      for (let i = 0; i < images; i++) for (let t = 0; t < tokens; t++) out[i]! += c.values[i * tokens + t]! / tokens;
      return out;
    };
    const onUnits = (post: SparseCodes) => sparseCorrelations(preActivationsOnUnits(pre, images, tokens, units), 1, sparseRowsOfCodes(post), 1)[0]!;
    expect(columnCorrelations(perImage(pre), 1, perImage(elsewhere), 1, images)[0]).toBeCloseTo(1, 9);
    expect(onUnits(sameSpot)).toBeCloseTo(1, 9);
    expect(onUnits(elsewhere)).toBeLessThan(0);
    // Matching on the patch units calls the concept lost when its only partner fires elsewhere.
    const match = (post: SparseCodes) =>
      matchConcepts({
        preActivations: perImage(pre),
        postActivations: perImage(post),
        n: images,
        mPre: 1,
        mPost: 1,
        preDirections: Float32Array.of(1),
        postDirections: Float32Array.of(1),
        dPre: 1,
        dPost: 1,
        map: null,
        correlations: Float64Array.of(onUnits(post)),
      })[0]!;
    expect(match(sameSpot).lost).toBe(false);
    expect(match(elsewhere).lost).toBe(true);
  });
});
