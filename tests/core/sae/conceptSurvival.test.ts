/**
 * Concepts across the connector (core/sae/conceptSurvival.ts): correlations against a direct
 * two-pass Pearson per pair, the linear map against a planted one, and matching on a planted case
 * where one pre concept has a post twin (same images, same direction through the map) and one
 * has none (its images fire nothing in particular after the connector).
 */
import { describe, expect, it } from 'vitest';
import { columnCorrelations, denseActivations, fitLinearMap, matchConcepts } from '../../../src/core/sae/conceptSurvival.ts';
import { fillGaussian, seededRandom } from '../../../src/core/random.ts';

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i]! - my);
    sxx += (v - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

describe('concept survival', () => {
  it('correlates every column pair as a direct Pearson does, 0 for a constant column', () => {
    const n = 40;
    const random = seededRandom(3);
    const a = Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 1 : random()));
    const b = Float32Array.from({ length: n * 4 }, () => random() - 0.5);
    const r = columnCorrelations(a, 3, b, 4, n);
    const col = (x: Float32Array, cols: number, c: number) => Array.from({ length: n }, (_, i) => x[i * cols + c]!);
    for (let p = 0; p < 3; p++) for (let q = 0; q < 4; q++) expect(r[p * 4 + q]).toBeCloseTo(pearson(col(a, 3, p), col(b, 4, q)), 10);
    expect(r[2 * 4 + 1]).toBe(0);
  });

  it('fits the planted linear map from post to pre', () => {
    const n = 200;
    const dPost = 6;
    const dPre = 4;
    const random = seededRandom(5);
    const post = fillGaussian(new Float32Array(n * dPost), random);
    const planted = fillGaussian(new Float64Array(dPost * dPre), random);
    const pre = new Float32Array(n * dPre);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < dPre; c++) {
        let s = 0.5 * c;
        for (let a = 0; a < dPost; a++) s += post[i * dPost + a]! * planted[a * dPre + c]!;
        pre[i * dPre + c] = s;
      }
    const m = fitLinearMap(post, dPost, pre, dPre, n, 1e-9);
    for (let i = 0; i < planted.length; i++) expect(m[i]).toBeCloseTo(planted[i]!, 4);
  });

  it('matches a pre concept to its post twin and calls the one without a twin lost', () => {
    const n = 300;
    const random = seededRandom(9);
    // Pre concept 0 fires on images i % 3 == 0; post concept 1 fires on the same ones. Pre concept 1
    // fires on i % 5 == 0; after the connector its images fire post concept 0 only at random.
    const preAct = new Float32Array(n * 2);
    const postAct = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) {
        preAct[i * 2] = 1 + random();
        postAct[i * 2 + 1] = 1 + random();
      }
      if (i % 5 === 0) preAct[i * 2 + 1] = 1 + random();
      if (random() < 0.3) postAct[i * 2] = random();
    }
    // Directions: the map is the identity on the first two axes; post concept 1 maps onto pre concept 0's direction.
    const map = new Float64Array([1, 0, 0, 1]);
    const matches = matchConcepts({
      preActivations: preAct,
      postActivations: postAct,
      n,
      mPre: 2,
      mPost: 2,
      preDirections: new Float32Array([1, 0, 0, 1]),
      postDirections: new Float32Array([0, 1, 1, 0]),
      dPre: 2,
      dPost: 2,
      map,
    });
    expect(matches).toHaveLength(2);
    expect(matches[0]).toMatchObject({ pre: 0, post: 1, lost: false });
    expect(matches[0]!.coActivation).toBeGreaterThan(0.9);
    expect(matches[0]!.alignment).toBeCloseTo(1, 12);
    expect(matches[1]!.lost).toBe(true);
    expect(matches[1]!.coActivation).toBeLessThan(0.3);
  });

  it('turns sparse codes into dense activations', () => {
    const dense = denseActivations({ n: 2, k: 2, indices: new Int32Array([3, 1, 0, 0]), values: new Float32Array([2, 1, 0.5, 0]) }, 4);
    expect(Array.from(dense)).toEqual([0, 1, 0, 2, 0.5, 0, 0, 0]);
  });
});
