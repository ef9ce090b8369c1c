import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLut, lossColorScale } from '../../src/viz/colorScale.ts';
import { heatmapRgba, paintHeatmap, patchAt, patchRect } from '../../src/viz/heatmapPainter.ts';

/** A 4-entry LUT with unmistakable colours: entry i = (10 + i, 20 + i, 30 + i, 255). */
const TINY_LUT = Uint8ClampedArray.from([10, 20, 30, 255, 11, 21, 31, 255, 12, 22, 32, 255, 13, 23, 33, 255]);
const cell = (rgba: Uint8ClampedArray, i: number) => Array.from(rgba.subarray(i * 4, i * 4 + 4));

describe('heatmapRgba', () => {
  it('colours each patch from the LUT with alpha = opacity * 255, row-major', () => {
    // grid 2 x 3, domain [0, 3] on a 4-entry LUT: loss j -> entry j
    const losses = Float32Array.from([0, 1, 2, 3, 2, 1]);
    const out = heatmapRgba(losses, [2, 3], TINY_LUT, [0, 3], 0.5);
    expect(out.length).toBe(2 * 3 * 4);
    expect(cell(out, 0)).toEqual([10, 20, 30, 128]);
    expect(cell(out, 1)).toEqual([11, 21, 31, 128]);
    expect(cell(out, 2)).toEqual([12, 22, 32, 128]);
    expect(cell(out, 3)).toEqual([13, 23, 33, 128]);
    expect(cell(out, 4)).toEqual([12, 22, 32, 128]);
    expect(cell(out, 5)).toEqual([11, 21, 31, 128]);
  });

  it('clamps losses to the domain and opacity to 0..1', () => {
    const losses = Float32Array.from([-10, 1e9, 0.4, Infinity]);
    const out = heatmapRgba(losses, [2, 2], TINY_LUT, [0, 3], 1.7);
    expect(cell(out, 0)).toEqual([10, 20, 30, 255]);
    expect(cell(out, 1)).toEqual([13, 23, 33, 255]);
    expect(cell(out, 2)).toEqual([10, 20, 30, 255]); // 0.4 is nearer entry 0 than entry 1
    expect(cell(out, 3)).toEqual([13, 23, 33, 255]);
    const transparent = heatmapRgba(losses, [2, 2], TINY_LUT, [0, 3], -1);
    for (let i = 0; i < 4; i++) expect(transparent[i * 4 + 3]).toBe(0);
  });

  it('leaves missing (NaN) patches fully transparent', () => {
    const out = heatmapRgba(Float32Array.from([NaN, 1]), [1, 2], TINY_LUT, [0, 3], 1);
    expect(cell(out, 0)).toEqual([0, 0, 0, 0]);
    expect(cell(out, 1)).toEqual([11, 21, 31, 255]);
  });

  it('matches the inferno LUT: zero loss is the darkest colour, the domain top the brightest', () => {
    const domain: [number, number] = [0, 2];
    const lut = buildLut(lossColorScale(domain), 256);
    const out = heatmapRgba(Float32Array.from([0, 1, 2, 5]), [2, 2], lut, domain, 0.6);
    expect(cell(out, 0)).toEqual([0, 0, 4, 153]);
    expect(cell(out, 1)).toEqual([...Array.from(lut.subarray(128 * 4, 128 * 4 + 3)), 153]);
    expect(cell(out, 2)).toEqual([252, 255, 164, 153]);
    expect(cell(out, 3)).toEqual([252, 255, 164, 153]);
  });

  it('rejects a loss vector that does not fit the grid', () => {
    expect(() => heatmapRgba(new Float32Array(5), [2, 3], TINY_LUT, [0, 1], 1)).toThrow(RangeError);
    expect(() => heatmapRgba(new Float32Array(0), [0, 3], TINY_LUT, [0, 1], 1)).toThrow(RangeError);
    expect(() => heatmapRgba(new Float32Array(6), [2.5, 3], TINY_LUT, [0, 1], 1)).toThrow(RangeError);
  });
});

describe('patchAt', () => {
  const grid: [number, number] = [4, 6]; // rows x cols
  const W = 336;
  const H = 224; // cells are 56 x 56

  it('finds the corner patches', () => {
    expect(patchAt(0, 0, W, H, grid)).toEqual({ index: 0, row: 0, col: 0 });
    expect(patchAt(W - 1e-9, 0, W, H, grid)).toEqual({ index: 5, row: 0, col: 5 });
    expect(patchAt(0, H - 1e-9, W, H, grid)).toEqual({ index: 18, row: 3, col: 0 });
    expect(patchAt(W - 0.5, H - 0.5, W, H, grid)).toEqual({ index: 23, row: 3, col: 5 });
  });

  it('puts cell edges in the cell to the right / below (half-open cells)', () => {
    expect(patchAt(55.999, 10, W, H, grid)?.col).toBe(0);
    expect(patchAt(56, 10, W, H, grid)?.col).toBe(1);
    expect(patchAt(10, 112, W, H, grid)).toEqual({ index: 12, row: 2, col: 0 });
  });

  it('returns null outside the drawing, for NaN, and for an empty grid or drawing', () => {
    expect(patchAt(-0.001, 5, W, H, grid)).toBeNull();
    expect(patchAt(5, -1, W, H, grid)).toBeNull();
    expect(patchAt(W, 5, W, H, grid)).toBeNull();
    expect(patchAt(5, H, W, H, grid)).toBeNull();
    expect(patchAt(NaN, 5, W, H, grid)).toBeNull();
    expect(patchAt(5, 5, 0, H, grid)).toBeNull();
    expect(patchAt(5, 5, W, H, [0, 6])).toBeNull();
  });

  it('always returns the patch whose rectangle contains the point', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (rows, cols, w, h, u, v) => {
          const x = u * w;
          const y = v * h;
          const hit = patchAt(x, y, w, h, [rows, cols]);
          if (!hit) return false;
          const r = patchRect(hit.index, w, h, [rows, cols])!;
          const eps = 1e-9 * Math.max(w, h);
          return (
            hit.index === hit.row * cols + hit.col &&
            hit.row >= 0 &&
            hit.row < rows &&
            hit.col >= 0 &&
            hit.col < cols &&
            x >= r.x - eps &&
            x <= r.x + r.w + eps &&
            y >= r.y - eps &&
            y <= r.y + r.h + eps
          );
        },
      ),
    );
  });
});

describe('patchRect', () => {
  it('gives the pixel rectangle of a patch, null out of range', () => {
    expect(patchRect(7, 336, 224, [4, 6])).toEqual({ x: 56, y: 56, w: 56, h: 56 });
    expect(patchRect(24, 336, 224, [4, 6])).toBeNull();
    expect(patchRect(-1, 336, 224, [4, 6])).toBeNull();
  });
});

/** Records what paintHeatmap does to a 2D context, with fake off-screen canvases. */
function fakeCanvasWorld() {
  const log: string[] = [];
  const created: FakeCanvas[] = [];
  class FakeCanvas {
    width = 300;
    height = 150;
    pixels: Uint8ClampedArray | null = null;
    readonly ownerDocument = {
      createElement: (tag: string) => {
        expect(tag).toBe('canvas');
        const c = new FakeCanvas();
        created.push(c);
        return c;
      },
    };
    getContext() {
      return {
        createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
        putImageData: (d: { width: number; height: number; data: Uint8ClampedArray }) => {
          expect([d.width, d.height]).toEqual([this.width, this.height]);
          this.pixels = Uint8ClampedArray.from(d.data);
        },
      };
    }
  }
  const target = new FakeCanvas();
  let smoothing = true;
  const ctx = {
    canvas: target,
    get imageSmoothingEnabled() {
      return smoothing;
    },
    set imageSmoothingEnabled(v: boolean) {
      smoothing = v;
    },
    imageSmoothingQuality: 'low',
    lineWidth: 1,
    strokeStyle: '#000',
    save: () => log.push('save'),
    restore: () => log.push('restore'),
    clearRect: (...a: number[]) => log.push(`clear ${a.join(',')}`),
    drawImage: (src: FakeCanvas, ...a: number[]) => log.push(`draw ${created.indexOf(src)} ${src.width}x${src.height} -> ${a.join(',')} smooth=${smoothing}`),
    strokeRect: (...a: number[]) => log.push(`stroke ${a.join(',')}`),
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, log, created };
}

describe('paintHeatmap (fake canvas)', () => {
  const image = { width: 4, height: 4, data: Uint8ClampedArray.from({ length: 64 }, (_, i) => i), colorSpace: 'srgb' } as unknown as ImageData;

  it('draws image, then hard-edged cells, then the highlight outline', () => {
    const w = fakeCanvasWorld();
    const losses = Float32Array.from([0, 1, 2, 3, 2, 1]);
    paintHeatmap(w.ctx, { image, losses, grid: [2, 3], domain: [0, 3], opacity: 0.5, width: 300, height: 200, highlight: 4, lut: TINY_LUT });
    expect(w.log[0]).toBe('save');
    expect(w.log[1]).toBe('clear 0,0,300,200');
    expect(w.log[2]).toBe('draw 0 4x4 -> 0,0,300,200 smooth=true');
    expect(w.log[3]).toBe('draw 1 3x2 -> 0,0,300,200 smooth=false');
    // patch 4 = row 1, col 1: cell rect (100, 100, 100, 100), inset by 1.5 px
    expect(w.log.slice(4, 6)).toEqual(['stroke 101.5,101.5,97,97', 'stroke 101.5,101.5,97,97']);
    expect(w.log[w.log.length - 1]).toBe('restore');
    expect(Array.from(w.created[0]!.pixels!)).toEqual(Array.from(image.data));
    expect(Array.from(w.created[1]!.pixels!)).toEqual(Array.from(heatmapRgba(losses, [2, 3], TINY_LUT, [0, 3], 0.5)));
  });

  it('skips the image and the outline when absent, reuses its scratch canvases, honours smooth', () => {
    const w = fakeCanvasWorld();
    const o = { image: null, losses: new Float32Array(4), grid: [2, 2] as const, domain: [0, 1] as const, opacity: 1, width: 10, height: 10 };
    paintHeatmap(w.ctx, o);
    paintHeatmap(w.ctx, { ...o, highlight: null, smooth: true });
    paintHeatmap(w.ctx, { ...o, highlight: 99 }); // out of range: no outline
    expect(w.created.length).toBe(2);
    expect(w.log.filter((l) => l.startsWith('draw'))).toEqual([
      'draw 1 2x2 -> 0,0,10,10 smooth=false',
      'draw 1 2x2 -> 0,0,10,10 smooth=true',
      'draw 1 2x2 -> 0,0,10,10 smooth=false',
    ]);
    expect(w.log.some((l) => l.startsWith('stroke'))).toBe(false);
    // Built its own inferno LUT from the domain: zero loss -> darkest colour.
    expect(Array.from(w.created[1]!.pixels!.subarray(0, 4))).toEqual([0, 0, 4, 255]);
  });
});
