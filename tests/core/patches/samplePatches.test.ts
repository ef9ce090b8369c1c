/**
 * Patch sampling (core/patches/samplePatches.ts) against brute force: the rows picked are the
 * input's rows at the positions reported, the same positions before and after the connector,
 * distinct and in range, every position equally likely; and the per-image count against the
 * arithmetic of the memory bound; and how the trained reconstructor is named when it sampled.
 */
import { describe, expect, it } from 'vitest';
import { reconstructorLabel } from '../../../src/core/patches/reconstructorLabel.ts';
import { drawPatches, gatherSampledRows, patchesPerImage } from '../../../src/core/patches/samplePatches.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { uniformArray } from '../../support/uniformArray.ts';

describe('patchesPerImage', () => {
  it('keeps every patch while a batch fits, else as many as fit, at least one', () => {
    expect(patchesPerImage(4, 196, 96, 2 ** 21)).toBe(196); // the shipped packs: 75,264 values
    expect(patchesPerImage(4, 576, 4096, 2 ** 21)).toBe(128); // LLaVA-1.5: 2^21 / (4 x 4096)
    expect(patchesPerImage(4, 576, 4096, 2 ** 20)).toBe(64); // the trainer's bound (DEFAULT_TRAIN_CONFIG.maxStepValues)
    expect(patchesPerImage(1, 144, 4096, 2 ** 21)).toBe(144);
    expect(patchesPerImage(8, 576, 4096, 1000)).toBe(1);
  });
});

describe('drawPatches and gatherSampledRows', () => {
  const shape = { images: 3, tokens: 10, dPre: 4, dPost: 6 };
  /** A step's sample: positions drawn, then the rows at them gathered. */
  const samplePatches = (p: Float32Array, q: Float32Array, sh: typeof shape, count: number, random: () => number) => {
    const sample = drawPatches(sh.images, sh.tokens, count, random);
    return { ...gatherSampledRows(p, q, sh, sample), positions: sample.positions };
  };
  const pre = uniformArray(shape.images * shape.tokens * shape.dPre, 1);
  const post = uniformArray(shape.images * shape.tokens * shape.dPost, 2);

  it("picks each image's rows at the positions it reports, the same ones before and after", () => {
    const count = 4;
    const s = samplePatches(pre, post, shape, count, seededRandom(3));
    for (let image = 0; image < shape.images; image++) {
      const positions = Array.from(s.positions.subarray(image * count, (image + 1) * count));
      expect(new Set(positions).size).toBe(count);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      positions.forEach((t, i) => {
        expect(t).toBeGreaterThanOrEqual(0);
        expect(t).toBeLessThan(shape.tokens);
        const row = image * shape.tokens + t;
        const at = image * count + i;
        expect(Array.from(s.pre.subarray(at * shape.dPre, (at + 1) * shape.dPre))).toEqual(Array.from(pre.subarray(row * shape.dPre, (row + 1) * shape.dPre)));
        expect(Array.from(s.post.subarray(at * shape.dPost, (at + 1) * shape.dPost))).toEqual(
          Array.from(post.subarray(row * shape.dPost, (row + 1) * shape.dPost)),
        );
      });
    }
  });

  it('gives every position the same chance (2,000 draws of 3 of 10: each near 600)', () => {
    const random = seededRandom(4);
    const counts = new Array<number>(shape.tokens).fill(0);
    for (let draw = 0; draw < 2000; draw++) {
      const s = samplePatches(pre.subarray(0, shape.tokens * shape.dPre), post.subarray(0, shape.tokens * shape.dPost), { ...shape, images: 1 }, 3, random);
      for (const t of s.positions) counts[t]! += 1;
    }
    // Binomial(2000, 0.3): standard deviation 20.5; 5 of them either side.
    for (const c of counts) expect(Math.abs(c - 600)).toBeLessThan(103);
  });

  it('refuses a count outside 1..tokens and arrays of another shape', () => {
    expect(() => samplePatches(pre, post, shape, 0, seededRandom(1))).toThrow('invalid count: 0 of 10 patches');
    expect(() => samplePatches(pre, post, shape, 11, seededRandom(1))).toThrow('invalid count: 11 of 10 patches');
    expect(() => samplePatches(pre.subarray(1), post, shape, 2, seededRandom(1))).toThrow(/expected \[3, 10, 4\]/);
  });
});

describe('reconstructorLabel', () => {
  it('names the sampling only when a step used fewer than all patches', () => {
    const architecture = { kind: 'token-wise-mlp', hidden: 256, params: 1234567 };
    expect(reconstructorLabel(architecture)).toBe('token-wise-mlp (hidden 256, 1,234,567 parameters)');
    expect(reconstructorLabel(architecture, { perStep: 196, patches: 196 })).toBe('token-wise-mlp (hidden 256, 1,234,567 parameters)');
    expect(reconstructorLabel(architecture, { perStep: 128, patches: 576 })).toBe(
      "token-wise-mlp (hidden 256, 1,234,567 parameters), each step on 128 of an image's 576 patches",
    );
  });
});
