/**
 * Regions brought in as COCO-style JSON (the format VQA and detection sets ship boxes in):
 *   { "images": [{ "id": 1, "file_name": "a.jpg", "width": 640, "height": 480 }, ...],
 *     "annotations": [{ "image_id": 1, "bbox": [x, y, width, height] }, ...] }
 * Boxes are in the original image's pixels, top-left origin. Every annotation of an image joins its
 * region (a union of boxes). Anything else in the file is ignored; what is malformed is named in a
 * message for people, with the entry's position.
 */
import { UserFacingError } from '../errors.ts';
import type { RegionBox } from './regionAnalysis.ts';

export interface ImportedRegion {
  readonly fileName: string;
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly RegionBox[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** The regions of a COCO-style JSON value, one per image that has at least one box. */
export function parseCocoRegions(json: unknown): ImportedRegion[] {
  const bad = (what: string) =>
    new UserFacingError(
      `This regions file is not COCO-style JSON the app can read: ${what}. Expected {"images": [{id, file_name, width, height}], "annotations": [{image_id, bbox: [x, y, width, height]}]}.`,
    );
  if (!isObject(json)) throw bad('it is not a JSON object');
  const { images, annotations } = json;
  if (!Array.isArray(images)) throw bad('"images" is not a list');
  if (!Array.isArray(annotations)) throw bad('"annotations" is not a list');
  const byId = new Map<unknown, { fileName: string; width: number; height: number; boxes: RegionBox[] }>();
  images.forEach((image: unknown, i) => {
    if (!isObject(image) || typeof image.file_name !== 'string' || image.file_name === '' || !isSize(image.width) || !isSize(image.height))
      throw bad(`images[${i}] lacks a file_name, width or height`);
    if (typeof image.id !== 'number' && typeof image.id !== 'string') throw bad(`images[${i}] has no id`);
    if (byId.has(image.id)) throw bad(`images[${i}] repeats id ${JSON.stringify(image.id)}`);
    byId.set(image.id, { fileName: image.file_name, width: image.width, height: image.height, boxes: [] });
  });
  annotations.forEach((annotation: unknown, i) => {
    if (!isObject(annotation)) throw bad(`annotations[${i}] is not an object`);
    const image = byId.get(annotation.image_id);
    if (!image) throw bad(`annotations[${i}] names image_id ${JSON.stringify(annotation.image_id)}, which "images" does not list`);
    const bbox = annotation.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw bad(`annotations[${i}].bbox is not four numbers [x, y, width, height]`);
    const [x, y, width, height] = bbox as [number, number, number, number];
    if (!(width > 0 && height > 0)) throw bad(`annotations[${i}].bbox has no area (width ${width}, height ${height})`);
    image.boxes.push({ x, y, width, height });
  });
  return [...byId.values()].filter((image) => image.boxes.length > 0);
}

/** How far two aspect ratios may differ (relatively) and still be the same picture at another resolution. */
const SAME_ASPECT = 0.01;

/**
 * An imported region fitted to the image it was matched to, whose decoded size may differ from the
 * size the file declares: the same size keeps the boxes; the same picture at another resolution
 * (aspect ratio within 1%) scales them; anything else is a mismatch (another crop, a rotation, the
 * wrong file) and is not placed, since its boxes would land on the wrong pixels.
 */
export type RegionFit =
  | { readonly kind: 'as-declared' | 'rescaled'; readonly region: ImportedRegion }
  | { readonly kind: 'mismatch'; readonly declared: readonly [number, number]; readonly actual: readonly [number, number] };

export function fitRegionToImage(region: ImportedRegion, actual: { readonly width: number; readonly height: number }): RegionFit {
  if (region.width === actual.width && region.height === actual.height) return { kind: 'as-declared', region };
  const declaredAspect = region.width / region.height;
  const actualAspect = actual.width / actual.height;
  if (Math.abs(declaredAspect - actualAspect) / actualAspect > SAME_ASPECT)
    return { kind: 'mismatch', declared: [region.width, region.height], actual: [actual.width, actual.height] };
  const sx = actual.width / region.width;
  const sy = actual.height / region.height;
  const boxes = region.boxes.map((b) => ({ x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy }));
  return { kind: 'rescaled', region: { fileName: region.fileName, width: actual.width, height: actual.height, boxes } };
}
