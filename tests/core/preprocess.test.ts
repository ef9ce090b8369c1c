/** Preprocessing against hand-computed pixels and Pillow's resampling arithmetic. */
import { describe, expect, it } from 'vitest';
import { centreCropOffset, preprocess, shortestEdgeSize } from '../../src/core/image/preprocess.ts';
import { resizeImage } from '../../src/core/image/resample.ts';
import type { PreprocessSpec } from '../../src/core/types.ts';

const clip: PreprocessSpec = { resize: 'shortest-edge', crop: 'center', resample: 'bicubic', rescale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] };

describe('resizeImage (Pillow-compatible)', () => {
  it('keeps a constant image constant at any scale and filter', () => {
    const src = new Uint8Array(7 * 5 * 3).fill(77);
    for (const f of ['bicubic', 'bilinear', 'nearest'] as const) {
      for (const [w, h] of [[3, 2], [14, 10], [7, 5], [1, 1]] as const) expect(resizeImage(src, 7, 5, 3, w, h, f).every((v) => v === 77)).toBe(true);
    }
  });

  it('halves with bilinear as a 2-tap box average (PIL: support 2 when downscaling by 2)', () => {
    // Row 0,10,20,30 -> two outputs. Centre of output 0 is 1.0; taps at x=0,1,2 with weights
    // triangle((x + 0.5 - 1) / 2) = 0.75, 0.75, 0.25 -> normalised /1.75... computed by hand below.
    const src = Uint8Array.of(0, 10, 20, 30);
    const out = resizeImage(src, 4, 1, 1, 2, 1, 'bilinear');
    const w = [0.75, 0.75, 0.25];
    const first = (0 * w[0]! + 10 * w[1]! + 20 * w[2]!) / (w[0]! + w[1]! + w[2]!);
    const second = (10 * 0.25 + 20 * 0.75 + 30 * 0.75) / 1.75;
    expect(Array.from(out)).toEqual([Math.round(first), Math.round(second)]);
  });

  it('upscales a step with bicubic overshoot clamped to 0..255', () => {
    const src = Uint8Array.of(0, 0, 255, 255);
    const out = resizeImage(src, 4, 1, 1, 8, 1, 'bicubic');
    expect(out.length).toBe(8);
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(255);
    // Monotone-ish step with symmetric overshoot: mirrored input gives mirrored output.
    const mirrored = resizeImage(Uint8Array.of(255, 255, 0, 0), 4, 1, 1, 8, 1, 'bicubic');
    expect(Array.from(mirrored)).toEqual(Array.from(out).reverse());
  });

  it('is the identity when the size does not change', () => {
    const src = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    expect(Array.from(resizeImage(src, 4, 3, 3, 4, 3, 'bicubic'))).toEqual(Array.from(src));
  });
});

describe('geometry of HF CLIP preprocessing', () => {
  it('truncates the long side and crops at (orig - crop) // 2', () => {
    expect(shortestEdgeSize(640, 480, 224)).toEqual([298, 224]); // int(224 * 640 / 480) = 298
    expect(shortestEdgeSize(480, 640, 224)).toEqual([224, 298]);
    expect(centreCropOffset(298, 224)).toBe(37);
    expect(centreCropOffset(225, 224)).toBe(0);
  });
});

describe('preprocess', () => {
  it('normalises hand-computed pixels into NCHW and keeps the display crop', () => {
    // 2x2 image already at size: no resize, no crop. Pixel (0,1) is (255, 0, 51).
    const rgba = Uint8Array.of(0, 0, 0, 255, 255, 0, 51, 128, 255, 255, 255, 255, 0, 255, 0, 0);
    const { pixels, display } = preprocess(rgba, 2, 2, clip, 2);
    const plane = 4;
    expect(pixels[0 * plane + 1]).toBeCloseTo((1 - 0.5) / 0.5, 6); // R of pixel 1
    expect(pixels[1 * plane + 1]).toBeCloseTo((0 - 0.25) / 0.25, 6); // G of pixel 1
    expect(pixels[2 * plane + 1]).toBeCloseTo(51 / 255, 6); // B of pixel 1
    expect(pixels[1 * plane + 3]).toBeCloseTo((1 - 0.25) / 0.25, 6); // G of pixel 3 (alpha ignored)
    expect(Array.from(display.subarray(4, 8))).toEqual([255, 0, 51, 255]); // alpha dropped like PIL convert('RGB')
  });

  it('centre-crops after the shortest-edge resize', () => {
    // 6x2 image whose columns are 0..5 * 40; target 2: resize 6x2 -> 6x2 (short side already 2), crop cols 2..3.
    const w = 6;
    const rgba = new Uint8Array(w * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < w; x++) rgba.set([x * 40, x * 40, x * 40, 255], (y * w + x) * 4);
    const { display } = preprocess(rgba, w, 2, clip, 2);
    expect([display[0], display[4]]).toEqual([80, 120]);
  });

  it('rejects a buffer that does not match its size', () => {
    expect(() => preprocess(new Uint8Array(10), 2, 2, clip, 2)).toThrow(/invalid image/);
  });
});
