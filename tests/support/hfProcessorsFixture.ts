/** tests/core/fixtures/hf-processors.json (scripts/hfProcessorFixtures.py), typed, with its inputs rebuilt. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RgbaImage } from '../../src/core/image/processors/encoderInputs.ts';
import type { ProcessorName } from '../../src/core/image/processors/processorConfig.ts';
import { decodePng } from '../../scripts/mobilenet/decodePng.ts';
import { syntheticRgba } from './syntheticImage.ts';

export interface TensorSummary {
  readonly name: string;
  readonly dims: number[];
  /** The 8-bit values before rescale and normalisation (config run with both off). */
  readonly raw: { readonly crc32: number; readonly sum: number; readonly stride: number; readonly sample: string };
  readonly normalised: { readonly dtype: string; readonly sum: number; readonly stride: number; readonly sample: string };
}

export type ImageSpec = (
  { readonly photo: string } | { readonly synthetic: { readonly width: number; readonly height: number; readonly seed: number; readonly alpha: boolean } }
) & { readonly rgbaCrc32?: number };

export interface ProcessorCase {
  readonly model: string;
  readonly image: ImageSpec;
  readonly tensors?: TensorSummary[];
  readonly fixedSize?: { readonly height: number; readonly width: number };
  readonly pixelAttentionMask?: { readonly dims: number[]; readonly ones: number; readonly size: number };
  readonly imageGridThw?: number[][];
  readonly error?: string;
}

export interface PatchOrder {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly patchSize: number;
  readonly mergeSize: number;
  readonly temporalPatchSize: number;
  readonly gridH: number;
  readonly gridW: number;
  readonly dims: number[];
  readonly indices: string;
}

export interface HfProcessorsFixture {
  readonly pillow: string;
  readonly transformers: string;
  /** What that transformers does with transparency (absent in fixtures older than the field: "drop"). */
  readonly alpha?: 'drop' | 'white';
  readonly configs: Record<string, { readonly processor: ProcessorName; readonly config: Record<string, unknown> }>;
  readonly cases: ProcessorCase[];
  readonly sizes: {
    /** [h, w, factor, minPixels, maxPixels, outH | null, outW | null]; null: transformers raised. */
    readonly smartResize: (number | null)[][];
    /** [h, w, longestEdge, outH, outW]. */
    readonly idefics3ResizeSize: number[][];
  };
  readonly patchOrders: PatchOrder[];
}

const FIXTURES = resolve(import.meta.dirname, '../core/fixtures');

/** The committed fixture, or the hf-processors.json in `folder` (one made live). */
export function loadHfProcessors(folder: string = FIXTURES): HfProcessorsFixture {
  return JSON.parse(readFileSync(resolve(folder, 'hf-processors.json'), 'utf8')) as HfProcessorsFixture;
}

export const fromBase64 = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

export function float32s(b64: string): Float32Array {
  const b = fromBase64(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

export function uint16s(b64: string): Uint16Array {
  const b = fromBase64(b64);
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
}

export function imageFor(spec: ImageSpec): RgbaImage {
  if ('photo' in spec) return decodePng(new Uint8Array(readFileSync(resolve(FIXTURES, 'photos', `${spec.photo}.png`))));
  const { width, height, seed, alpha } = spec.synthetic;
  return { width, height, rgba: syntheticRgba(width, height, seed, alpha) };
}

export const imageLabel = (spec: ImageSpec): string =>
  'photo' in spec ? `photo ${spec.photo}` : `${spec.synthetic.width}x${spec.synthetic.height}${spec.synthetic.alpha ? ' alpha' : ''}`;
