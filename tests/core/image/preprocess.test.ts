/** Preprocessing against transformers' CLIP image processor (fixtures) and hand-computed pixels. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { centreCropOffset, preprocess, resizedSize, shortestEdgeSize } from '../../../src/core/image/preprocess.ts';
import type { PreprocessSpec } from '../../../src/core/types.ts';

const clip: PreprocessSpec = { resize: 'shortest-edge', crop: 'center', resample: 'bicubic', rescale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] };

interface HfCase {
  readonly width: number;
  readonly height: number;
  readonly size: number;
  readonly rgba: string;
  readonly spec: PreprocessSpec;
  readonly pixels: string;
}

describe('preprocess vs transformers CLIPImageProcessor (PIL backend)', () => {
  const fixture: { pillow: string; transformers: string; cases: HfCase[] } = JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../fixtures/hf-preprocess.json'), 'utf8'),
  );

  it(`matches transformers ${fixture.transformers} to float32 rounding: shortest-edge + crop and stretch, all filters, alpha dropped`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(8);
    for (const c of fixture.cases) {
      const buf = Buffer.from(c.pixels, 'base64');
      const want = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const { pixels, display } = preprocess(new Uint8Array(Buffer.from(c.rgba, 'base64')), c.width, c.height, c.spec, c.size);
      expect(pixels.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(pixels[i]! - want[i]!));
      expect(worst, `${c.width}x${c.height} ${c.spec.resize} ${c.spec.resample} -> ${c.size}`).toBeLessThan(1e-6);
      // The display image is the uint8 image HF normalised: undo the normalisation and compare.
      const plane = c.size * c.size;
      for (let p = 0; p < plane; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const v = (want[ch * plane + p]! * c.spec.std[ch]! + c.spec.mean[ch]!) / c.spec.rescale;
          expect(Math.abs(display[p * 4 + ch]! - v)).toBeLessThan(1e-3);
        }
        expect(display[p * 4 + 3]).toBe(255);
      }
    }
  });
});

describe('geometry of HF CLIP preprocessing', () => {
  it('truncates the long side (int(size * long / short)) and crops at (orig - crop) // 2', () => {
    expect(shortestEdgeSize(640, 480, 224)).toEqual([298, 224]); // int(224 * 640 / 480) = int(298.67)
    expect(shortestEdgeSize(480, 640, 224)).toEqual([224, 298]);
    expect(shortestEdgeSize(336, 336, 224)).toEqual([224, 224]);
    expect(shortestEdgeSize(100, 9, 8)).toEqual([88, 8]); // int(88.9)
    expect(centreCropOffset(298, 224)).toBe(37);
    expect(centreCropOffset(225, 224)).toBe(0);
    expect(centreCropOffset(227, 224)).toBe(1);
    expect(resizedSize(640, 480, { ...clip, resize: 'stretch' }, 224)).toEqual([224, 224]);
  });
});

describe('preprocess by hand', () => {
  it('normalises pixels into NCHW and keeps the display image, alpha dropped', () => {
    // 2x2 image already at size: no resize, no crop. Pixel 1 is (255, 0, 51) with alpha 128.
    const rgba = Uint8Array.of(0, 0, 0, 255, 255, 0, 51, 128, 255, 255, 255, 255, 0, 255, 0, 0);
    const { pixels, display } = preprocess(rgba, 2, 2, clip, 2);
    const plane = 4;
    expect(pixels.length).toBe(3 * plane);
    expect(pixels[0 * plane + 1]).toBeCloseTo((1 - 0.5) / 0.5, 6); // R of pixel 1
    expect(pixels[1 * plane + 1]).toBeCloseTo((0 - 0.25) / 0.25, 6); // G of pixel 1
    expect(pixels[2 * plane + 1]).toBeCloseTo(51 / 255, 6); // B of pixel 1
    expect(pixels[1 * plane + 3]).toBeCloseTo((1 - 0.25) / 0.25, 6); // G of pixel 3, alpha 0 ignored
    expect(Array.from(display.subarray(4, 8))).toEqual([255, 0, 51, 255]);
    expect(Array.from(display.subarray(12, 16))).toEqual([0, 255, 0, 255]); // transparent pixel keeps its colour
  });

  it('centre-crops after the shortest-edge resize', () => {
    // 6x2 image whose columns are 0, 40, ..., 200; target 2: the short side is already 2, so no
    // resize; crop columns (6 - 2) // 2 = 2 and 3.
    const w = 6;
    const rgba = new Uint8Array(w * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < w; x++) rgba.set([x * 40, x * 40, x * 40, 255], (y * w + x) * 4);
    const { display } = preprocess(rgba, w, 2, clip, 2);
    expect([display[0], display[4], display[8], display[12]]).toEqual([80, 120, 80, 120]);
    // 7 columns: offset (7 - 2) // 2 = 2 as well (floor).
    const rgba7 = new Uint8Array(7 * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 7; x++) rgba7.set([x * 30, 0, 0, 255], (y * 7 + x) * 4);
    expect([preprocess(rgba7, 7, 2, clip, 2).display[0]]).toEqual([60]);
  });

  it('keeps a constant image constant through resize and crop', () => {
    const rgba = new Uint8Array(37 * 23 * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([200, 100, 50, 255], i);
    for (const resample of ['bicubic', 'bilinear', 'nearest'] as const) {
      for (const resize of ['shortest-edge', 'stretch'] as const) {
        const { pixels } = preprocess(rgba, 37, 23, { ...clip, resample, resize }, 8);
        const plane = 64;
        for (let p = 0; p < plane; p++) {
          expect(pixels[p]).toBeCloseTo((200 / 255 - 0.5) / 0.5, 6);
          expect(pixels[plane + p]).toBeCloseTo((100 / 255 - 0.25) / 0.25, 6);
          expect(pixels[2 * plane + p]).toBeCloseTo(50 / 255, 6);
        }
      }
    }
  });

  it('rejects inconsistent input', () => {
    expect(() => preprocess(new Uint8Array(10), 2, 2, clip, 2)).toThrow('invalid image: expected 16 RGBA bytes for 2 x 2, got 10');
    expect(() => preprocess(new Uint8Array(0), 0, 2, clip, 2)).toThrow('invalid image size: 0 x 2 (expected positive integers)');
    expect(() => preprocess(new Uint8Array(16), 2, 2, clip, 0)).toThrow('invalid size: 0 (expected a positive integer)');
    expect(() => preprocess(new Uint8Array(24), 3, 2, { ...clip, crop: 'none' }, 2)).toThrow("crop 'none' needs a square resize, got 3 x 2");
  });
});
