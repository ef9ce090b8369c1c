/**
 * COCO-style region files (core/patches/regionImport.ts): every annotation joins its image's region,
 * images without boxes are left out, and each kind of damage is named with its position; a region
 * declared at another size than the image decoded here is scaled when it is the same picture at
 * another resolution and refused otherwise.
 */
import { describe, expect, it } from 'vitest';
import { fitRegionToImage, parseCocoRegions } from '../../../src/core/patches/regionImport.ts';

const coco = {
  info: { description: 'ignored' },
  images: [
    { id: 7, file_name: 'a.jpg', width: 640, height: 480 },
    { id: 'b', file_name: 'dir/b.png', width: 100, height: 50 },
    { id: 9, file_name: 'no-boxes.jpg', width: 10, height: 10 },
  ],
  annotations: [
    { image_id: 7, bbox: [10, 20, 30, 40], category_id: 1 },
    { image_id: 'b', bbox: [0, 0, 100, 50] },
    { image_id: 7, bbox: [100.5, 0, 1, 2] },
  ],
};

describe('parseCocoRegions', () => {
  it('gathers every box of an image into its region and leaves out images without boxes', () => {
    expect(parseCocoRegions(coco)).toEqual([
      {
        fileName: 'a.jpg',
        width: 640,
        height: 480,
        boxes: [
          { x: 10, y: 20, width: 30, height: 40 },
          { x: 100.5, y: 0, width: 1, height: 2 },
        ],
      },
      { fileName: 'dir/b.png', width: 100, height: 50, boxes: [{ x: 0, y: 0, width: 100, height: 50 }] },
    ]);
  });

  it.each([
    ['it is not a JSON object', []],
    ['"images" is not a list', { annotations: [] }],
    ['"annotations" is not a list', { images: [] }],
    ['images[0] lacks a file_name, width or height', { images: [{ id: 1, file_name: 'a.jpg', width: 0, height: 5 }], annotations: [] }],
    [
      'images[1] repeats id 1',
      {
        images: [
          { id: 1, file_name: 'a', width: 1, height: 1 },
          { id: 1, file_name: 'b', width: 1, height: 1 },
        ],
        annotations: [],
      },
    ],
    [
      'annotations[0] names image_id 2, which "images" does not list',
      { images: [{ id: 1, file_name: 'a', width: 1, height: 1 }], annotations: [{ image_id: 2, bbox: [0, 0, 1, 1] }] },
    ],
    ['annotations[0].bbox is not four numbers', { images: [{ id: 1, file_name: 'a', width: 1, height: 1 }], annotations: [{ image_id: 1, bbox: [0, 0, 1] }] }],
    ['annotations[0].bbox has no area', { images: [{ id: 1, file_name: 'a', width: 1, height: 1 }], annotations: [{ image_id: 1, bbox: [0, 0, 0, 1] }] }],
  ])('names the damage: %s', (what, json) => {
    expect(() => parseCocoRegions(json)).toThrow(what);
  });
});

describe('fitRegionToImage', () => {
  const region = { fileName: 'a.jpg', width: 640, height: 480, boxes: [{ x: 64, y: 48, width: 320, height: 240 }] };

  it('keeps the boxes when the image here has the declared size', () => {
    expect(fitRegionToImage(region, { width: 640, height: 480 })).toEqual({ kind: 'as-declared', region });
  });

  it('scales the boxes onto the same picture at another resolution (same fractions of the image)', () => {
    const fit = fitRegionToImage(region, { width: 320, height: 240 });
    expect(fit.kind).toBe('rescaled');
    if (fit.kind !== 'rescaled') return;
    expect(fit.region).toEqual({ fileName: 'a.jpg', width: 320, height: 240, boxes: [{ x: 32, y: 24, width: 160, height: 120 }] });
    // Rounding in a downscaler (1001 x 751 for 4:3) still counts as the same picture.
    expect(fitRegionToImage(region, { width: 1001, height: 751 }).kind).toBe('rescaled');
  });

  it('refuses another aspect ratio (a crop, a rotation, another file), naming both sizes', () => {
    expect(fitRegionToImage(region, { width: 480, height: 640 })).toEqual({ kind: 'mismatch', declared: [640, 480], actual: [480, 640] });
    expect(fitRegionToImage(region, { width: 640, height: 500 }).kind).toBe('mismatch');
  });
});
