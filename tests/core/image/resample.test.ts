/**
 * Pillow-compatible resizing: byte-for-byte against fixtures made by the real Pillow
 * (scripts/pilFixtures.py), plus hand-computed cases from Pillow's formulas.
 * PIL_STRESS=/tmp/pil-stress.json runs a larger fixture made with --stress, when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resizeImage, resizeRgba, type Resample } from '../../../src/core/image/resample.ts';

interface ResizeCase {
  readonly mode: 'RGB' | 'RGBA';
  readonly filter: Resample;
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
  readonly src: string;
  readonly out: string;
}

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

function load(path: string): { pillow: string; cases: ResizeCase[] } {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function run(c: ResizeCase): Uint8Array {
  const src = bytes(c.src);
  return c.mode === 'RGBA'
    ? resizeRgba(src, c.width, c.height, c.outWidth, c.outHeight, c.filter)
    : resizeImage(src, c.width, c.height, 3, c.outWidth, c.outHeight, c.filter);
}

function mismatches(cases: readonly ResizeCase[]): string[] {
  const bad: string[] = [];
  for (const c of cases) {
    const got = run(c);
    const want = bytes(c.out);
    let diff = got.length === want.length ? 0 : 256;
    for (let i = 0; i < want.length && diff < 256; i++) diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    if (diff > 0) bad.push(`${c.mode} ${c.filter} ${c.width}x${c.height} -> ${c.outWidth}x${c.outHeight}: max diff ${diff}`);
  }
  return bad;
}

describe('resize vs Pillow fixtures', () => {
  const fixture = load(resolve(import.meta.dirname, '../fixtures/pil-resize.json'));

  it(`equals Pillow ${fixture.pillow} byte for byte (RGB and RGBA, nearest/bilinear/bicubic, up and down)`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(100);
    for (const mode of ['RGB', 'RGBA'])
      for (const f of ['nearest', 'bilinear', 'bicubic']) expect(fixture.cases.some((c) => c.mode === mode && c.filter === f)).toBe(true);
    expect(mismatches(fixture.cases)).toEqual([]);
  });

  const extra = load(resolve(import.meta.dirname, '../fixtures/pil-resize-extra.json'));
  it(`equals Pillow ${extra.pillow} byte for byte with lanczos, box and hamming, and on images taller than 100 x their width`, () => {
    for (const f of ['lanczos', 'box', 'hamming']) expect(extra.cases.filter((c) => c.filter === f).length, f).toBeGreaterThanOrEqual(20);
    // Pillow shrinks these vertically first: horizontal-first differs in the 8-bit intermediate.
    expect(extra.cases.filter((c) => c.height > 100 * c.width && c.outHeight < c.height && c.filter !== 'nearest').length).toBeGreaterThanOrEqual(8);
    expect(mismatches(extra.cases)).toEqual([]);
  });

  const stress = process.env.PIL_STRESS;
  it.runIf(stress !== undefined && existsSync(stress))('equals Pillow on the large stress fixture', () => {
    expect(mismatches(load(stress!).cases)).toEqual([]);
  });
});

describe('resizeImage by hand', () => {
  it('keeps a constant image constant at any scale and filter', () => {
    const src = new Uint8Array(7 * 5 * 3).fill(77);
    for (const f of ['bicubic', 'bilinear', 'nearest'] as const) {
      for (const [w, h] of [
        [3, 2],
        [14, 10],
        [7, 5],
        [1, 1],
        [50, 3],
      ] as const)
        expect(resizeImage(src, 7, 5, 3, w, h, f).every((v) => v === 77)).toBe(true);
    }
  });

  it('is the identity (a copy) when the size does not change', () => {
    const src = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    for (const f of ['bicubic', 'bilinear', 'nearest'] as const) {
      const out = resizeImage(src, 4, 3, 3, 4, 3, f);
      expect(Array.from(out)).toEqual(Array.from(src));
      expect(out).not.toBe(src);
    }
  });

  it("halves with bilinear over PIL's widened support (triangle of half-width 2), by hand", () => {
    // Downscale 4 -> 2: scale 2, support 1 * 2. Output 0: centre 1.0, taps x = 0..2 (xmin = trunc(1 - 2 + 0.5) -> 0,
    // xmax = trunc(1 + 2 + 0.5) = 3) with weights tri((x - 1 + 0.5) / 2) = 0.75, 0.75, 0.25; normalised by 1.75.
    // Output 1: centre 3.0, taps x = 1..3 with weights 0.25, 0.75, 0.75.
    const out = resizeImage(Uint8Array.of(0, 10, 20, 30), 4, 1, 1, 2, 1, 'bilinear');
    expect(Array.from(out)).toEqual([Math.round((0 * 0.75 + 10 * 0.75 + 20 * 0.25) / 1.75), Math.round((10 * 0.25 + 20 * 0.75 + 30 * 0.75) / 1.75)]);
    expect(Array.from(out)).toEqual([7, 23]);
  });

  it('upscales a step with bicubic overshoot clamped to 0..255, mirror-symmetrically', () => {
    const out = resizeImage(Uint8Array.of(0, 0, 255, 255), 4, 1, 1, 8, 1, 'bicubic');
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(255);
    const mirrored = resizeImage(Uint8Array.of(255, 255, 0, 0), 4, 1, 1, 8, 1, 'bicubic');
    expect(Array.from(mirrored)).toEqual(Array.from(out).reverse());
  });

  it('picks nearest source pixels at (x + 0.5) * in / out, truncated', () => {
    // 4 -> 3: positions 0.667, 2.0, 3.333 -> pixels 0, 2, 3.
    expect(Array.from(resizeImage(Uint8Array.of(10, 20, 30, 40), 4, 1, 1, 3, 1, 'nearest'))).toEqual([10, 30, 40]);
    // 2 -> 4: positions 0.25, 0.75, 1.25, 1.75 -> 0, 0, 1, 1.
    expect(Array.from(resizeImage(Uint8Array.of(10, 20), 2, 1, 1, 4, 1, 'nearest'))).toEqual([10, 10, 20, 20]);
  });

  it('rejects bad sizes', () => {
    expect(() => resizeImage(new Uint8Array(5), 2, 1, 3, 1, 1, 'bilinear')).toThrow('invalid image: expected 6 bytes, got 5');
    expect(() => resizeImage(new Uint8Array(6), 2, 1, 3, 0, 1, 'bilinear')).toThrow('invalid output size: 0 x 1');
    expect(() => resizeImage(new Uint8Array(0), 0, 1, 3, 1, 1, 'bilinear')).toThrow('invalid image size: 0 x 1');
  });
});

describe('resizeRgba', () => {
  it("premultiplies alpha: a transparent pixel's colour does not bleed into its neighbour", () => {
    // Opaque red next to fully transparent green: the blend stays pure red, alpha halves.
    const src = Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 0);
    const out = resizeRgba(src, 2, 1, 1, 1, 'bilinear');
    expect(Array.from(out)).toEqual([255, 0, 0, 128]);
    // Per-channel resizing would have mixed the green in.
    expect(Array.from(resizeImage(src, 2, 1, 4, 1, 1, 'bilinear'))).toEqual([128, 128, 0, 128]);
  });

  it('equals per-channel resizing for an opaque image, and accepts Uint8ClampedArray', () => {
    const src = Uint8ClampedArray.from({ length: 5 * 4 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 53) % 256));
    const a = resizeRgba(src, 5, 4, 3, 7, 'bicubic');
    const b = resizeImage(new Uint8Array(src), 5, 4, 4, 3, 7, 'bicubic');
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
