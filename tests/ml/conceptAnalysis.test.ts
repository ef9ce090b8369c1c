/**
 * The concept analysis end to end (ml/conceptAnalysis.ts) on a connector whose loss is known:
 * tokens are sparse sums of planted directions, and the "connector" removes one of them (projects
 * it out) before a random linear map. The SAE before it finds that direction as a concept; after
 * it nothing fires on those patches in particular, so the concept is listed as lost — while the
 * concepts of the directions the connector kept find their counterparts. Trained again with another
 * seed, the planted concepts recur (the stability test).
 */
import { describe, expect, it } from 'vitest';
import { fillGaussian, seededRandom } from '../../src/core/random.ts';
import { rowCosines } from '../../src/core/sae/topkSae.ts';
import { analyseConcepts } from '../../src/ml/conceptAnalysis.ts';

const dPre = 12;
const dPost = 16;
const planted = 10;
const images = 500;
const tokens = 4;
const DROPPED = 0;

function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('concepts across a connector that drops one planted direction', () => {
  it('finds the dropped direction before the connector and lists it as lost; the kept ones survive', async () => {
    const random = seededRandom(21);
    const directions = Array.from({ length: planted }, () => unit(fillGaussian(new Float32Array(dPre), random)));
    const pre = new Float32Array(images * tokens * dPre);
    for (let r = 0; r < images * tokens; r++) {
      const chosen = new Set<number>();
      while (chosen.size < 2) chosen.add(Math.floor(random() * planted));
      for (const j of chosen) {
        const a = 0.5 + random();
        for (let c = 0; c < dPre; c++) pre[r * dPre + c]! += a * directions[j]![c]!;
      }
    }
    // The connector: project out the dropped direction, then a random linear map into dPost.
    const u = directions[DROPPED]!;
    const map = fillGaussian(new Float32Array(dPre * dPost), random);
    const post = new Float32Array(images * tokens * dPost);
    const kept = new Float32Array(dPre);
    for (let r = 0; r < images * tokens; r++) {
      let along = 0;
      for (let c = 0; c < dPre; c++) along += pre[r * dPre + c]! * u[c]!;
      for (let c = 0; c < dPre; c++) kept[c] = pre[r * dPre + c]! - along * u[c]!;
      for (let o = 0; o < dPost; o++) {
        let s = 0;
        for (let c = 0; c < dPre; c++) s += kept[c]! * map[c * dPost + o]!;
        post[r * dPost + o] = s;
      }
    }
    const result = await analyseConcepts(
      // The MLP's routing, one patch a post token: co-activation is measured on corresponding patches.
      { pre, post, images, tokensPre: tokens, tokensPost: tokens, dPre, dPost, tokenSource: Int32Array.from({ length: tokens }, (_, t) => t) },
      { latents: 24, k: 2, steps: 700, seed: 3, stability: true, level: 'patches' },
    );
    // The pre concept nearest each planted direction.
    const cos = rowCosines(Float32Array.from(directions.flatMap((d) => Array.from(d))), planted, result.pre.sae.wDec, 24, dPre);
    const conceptOf = directions.map((_, j) => {
      let best = 0;
      for (let m = 1; m < 24; m++) if (cos[j * 24 + m]! > cos[j * 24 + best]!) best = m;
      return { concept: best, cos: cos[j * 24 + best]! };
    });
    expect(
      conceptOf.every((c) => c.cos > 0.9),
      JSON.stringify(conceptOf),
    ).toBe(true);
    const matchOf = (concept: number) => result.matches.find((m) => m.pre === concept)!;
    expect(matchOf(conceptOf[DROPPED]!.concept).lost, JSON.stringify(matchOf(conceptOf[DROPPED]!.concept))).toBe(true);
    const survivors = conceptOf.filter((_, j) => j !== DROPPED).filter((c) => !matchOf(c.concept).lost);
    expect(survivors.length, `${survivors.length} of ${planted - 1} kept directions survive`).toBeGreaterThanOrEqual(planted - 2);
    // Quality figures, and the PCA baseline with as many dimensions as active latents explains less.
    expect(result.pre.quality.varianceExplained).toBeGreaterThan(result.pre.pcaVarianceExplained);
    expect(result.pre.quality.meanL0).toBeLessThanOrEqual(2);
    expect(result.aligned).toBe(true);
    expect(result.matchedOn).toBe('patches');
    // Retrained with another seed, the concepts of the planted directions (each on a fifth of the
    // tokens) recur far more than the dictionary's other, rarer concepts: the paper's finding.
    const plantedConcepts = new Set(conceptOf.map((c) => c.concept));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const recurrence = Array.from(result.recurrence!);
    const plantedMean = mean(recurrence.filter((_, j) => plantedConcepts.has(j)));
    const otherMean = mean(recurrence.filter((_, j) => !plantedConcepts.has(j)));
    expect(plantedMean, `planted ${plantedMean.toFixed(2)} vs other ${otherMean.toFixed(2)}`).toBeGreaterThan(otherMean + 0.2);
    expect(recurrence.filter((r, j) => plantedConcepts.has(j) && r > 0.9).length).toBeGreaterThanOrEqual(planted / 2);
  }, 120_000);
});

describe('concepts on pooled vectors', () => {
  it('trains on one mean-pooled vector per image: codes per image, and those are the per-image activations', async () => {
    const random = seededRandom(4);
    const n = 40;
    const tokens = 3;
    const pre = fillGaussian(new Float32Array(n * tokens * 6), random);
    const post = fillGaussian(new Float32Array(n * tokens * 5), random);
    const result = await analyseConcepts(
      { pre, post, images: n, tokensPre: tokens, tokensPost: tokens, dPre: 6, dPost: 5 },
      { latents: 8, k: 2, steps: 30, seed: 1, stability: false, level: 'pooled' },
    );
    expect(result.pre.codes.n).toBe(n);
    expect(result.post.codes.n).toBe(n);
    const dense = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) for (let p = 0; p < 2; p++) dense[i * 8 + result.pre.codes.indices[i * 2 + p]!]! += result.pre.codes.values[i * 2 + p]!;
    expect(Array.from(result.pre.perImage)).toEqual(Array.from(dense));
    expect(result.recurrence).toBeNull();
    expect(result.matchedOn).toBe('images');

    // Applied as imported autoencoders (no training), the same SAEs give the same analysis.
    const applied = await analyseConcepts(
      { pre, post, images: n, tokensPre: tokens, tokensPost: tokens, dPre: 6, dPost: 5 },
      { latents: 8, k: 2, steps: 0, seed: 0, stability: false, level: 'pooled' },
      { trained: { pre: result.pre.sae, post: result.post.sae } },
    );
    expect(applied.backend).toBe('imported');
    expect(applied.pre.loss).toEqual([]);
    expect(Array.from(applied.pre.codes.indices)).toEqual(Array.from(result.pre.codes.indices));
    expect(Array.from(applied.post.codes.values)).toEqual(Array.from(result.post.codes.values));
    expect(applied.pre.quality.varianceExplained).toBe(result.pre.quality.varianceExplained);
    expect(applied.matches).toEqual(result.matches);
    // Autoencoders of another width are refused.
    await expect(
      analyseConcepts(
        { pre, post, images: n, tokensPre: tokens, tokensPost: tokens, dPre: 6, dPost: 5 },
        { latents: 8, k: 2, steps: 0, seed: 0, stability: false, level: 'pooled' },
        { trained: { pre: result.post.sae, post: result.post.sae } },
      ),
    ).rejects.toThrow(/before the connector is 5 wide/);
  });
});
