/**
 * From an RGBA image and a processor config to the tensors a vision encoder takes, in the order
 * transformers' PIL-backend processors apply their steps. Alpha is dropped (PIL convert('RGB')),
 * every resize is Pillow's (resample.ts), and values are float32 exactly as transformers computes
 * them (normalise.ts). Checked against transformers 5.18 with Pillow 12.3 on photos and odd sizes
 * (tests/core/fixtures/hf-processors.json, scripts/hfProcessorFixtures.py).
 *
 *   clip      resize (short side, or stretch) -> centre crop -> [1, 3, cropH, cropW]
 *   siglip    stretch to size                                -> [1, 3, H, W]
 *   idefics3  longest edge to size.longest_edge, then stretch to the square max_image_size: one
 *             global image, splitting (tiling) off for analysis
 *                                 -> pixel_values [1, 1, 3, M, M], pixel_attention_mask [1, 1, M, M]
 *   qwen2-vl  smart_resize (or a fixed size) -> patchify
 *                                 -> pixel_values [gridH * gridW, 3 * T * P^2], image_grid_thw [1, 3]
 */
import { UserFacingError } from '../../errors.ts';
import { centreCropOffset, rgbaToRgb, shortestEdgeSize } from '../preprocess.ts';
import { resizeImage, type Resample } from '../resample.ts';
import { idefics3ResizeSize } from './idefics3Size.ts';
import { rescaleNormaliseChw } from './normalise.ts';
import { patchify } from './patchify.ts';
import {
  parseProcessorConfig,
  type ClipConfig,
  type HeightWidth,
  type Idefics2Config,
  type LlavaOnevisionConfig,
  type Idefics3Config,
  type ProcessorConfig,
  type ProcessorName,
  type Qwen2VlConfig,
  type SiglipConfig,
} from './processorConfig.ts';
import { smartResize } from './smartResize.ts';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** [height, width, 4], row-major. */
  readonly rgba: Uint8Array | Uint8ClampedArray;
}

/** A tensor as ONNX Runtime takes it: bool as one byte per element, int64 as BigInt64Array. */
export type EncoderTensor =
  | { readonly name: string; readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly name: string; readonly type: 'bool'; readonly dims: readonly number[]; readonly data: Uint8Array }
  | { readonly name: string; readonly type: 'int64'; readonly dims: readonly number[]; readonly data: BigInt64Array };

export interface EncoderInputs {
  readonly tensors: readonly EncoderTensor[];
  /** The 8-bit RGB image the encoder sees, before rescale and normalisation ([height, width, 3]). */
  readonly seen: { readonly width: number; readonly height: number; readonly rgb: Uint8Array };
  /** Where this run departs from the processor's own defaults, in words for the person using the app. */
  readonly notes: readonly string[];
}

interface Rgb {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** Pillow's resize, which transformers calls even when the size does not change (a copy). */
function resize(img: Rgb, width: number, height: number, resample: Resample): Rgb {
  return { width, height, rgb: resizeImage(img.rgb, img.width, img.height, 3, width, height, resample) };
}

function crop(img: Rgb, size: HeightWidth): Rgb {
  const top = centreCropOffset(img.height, size.height);
  const left = centreCropOffset(img.width, size.width);
  const rgb = new Uint8Array(size.width * size.height * 3);
  for (let y = 0; y < size.height; y++) {
    const src = ((y + top) * img.width + left) * 3;
    rgb.set(img.rgb.subarray(src, src + size.width * 3), y * size.width * 3);
  }
  return { width: size.width, height: size.height, rgb };
}

const pixelValues = (dims: readonly number[], data: Float32Array): EncoderTensor => ({ name: 'pixel_values', type: 'float32', dims, data });

function runClip(img: Rgb, cfg: ClipConfig): { seen: Rgb; tensors: EncoderTensor[] } {
  const [w, h] = 'shortestEdge' in cfg.size ? shortestEdgeSize(img.width, img.height, cfg.size.shortestEdge) : [cfg.size.width, cfg.size.height];
  const resized = resize(img, w, h, cfg.resample);
  const seen = cfg.doCenterCrop ? crop(resized, cfg.cropSize) : resized;
  return { seen, tensors: [pixelValues([1, 3, seen.height, seen.width], rescaleNormaliseChw(seen.rgb, seen.width, seen.height, cfg))] };
}

/** SigLIP's processor, and LLaVA-OneVision's base view (the same stretch; its anyres tiles are left out). */
function runSiglip(img: Rgb, cfg: SiglipConfig | LlavaOnevisionConfig): { seen: Rgb; tensors: EncoderTensor[] } {
  const seen = resize(img, cfg.size.width, cfg.size.height, cfg.resample);
  return { seen, tensors: [pixelValues([1, 3, seen.height, seen.width], rescaleNormaliseChw(seen.rgb, seen.width, seen.height, cfg))] };
}

/**
 * Idefics2 keeps each image's aspect ratio (sides between shortest_edge and longest_edge), so
 * images would differ in grid. The analysis needs one grid: every image is stretched to
 * shortest_edge x shortest_edge, a size the processor itself leaves alone, so the result equals
 * transformers run on the image first resized to that square. Splitting stays off: one image.
 */
function runIdefics2(img: Rgb, cfg: Idefics2Config): { seen: Rgb; tensors: EncoderTensor[] } {
  const side = cfg.shortestEdge;
  const seen = resize(img, side, side, cfg.resample);
  return {
    seen,
    tensors: [
      pixelValues([1, 1, 3, side, side], rescaleNormaliseChw(seen.rgb, side, side, cfg)),
      { name: 'pixel_attention_mask', type: 'bool', dims: [1, 1, side, side], data: new Uint8Array(side * side).fill(1) },
    ],
  };
}

function runIdefics3(img: Rgb, cfg: Idefics3Config): { seen: Rgb; tensors: EncoderTensor[] } {
  // Two resizes through 8 bits, as transformers does them: the intermediate is a uint8 image.
  const [h1, w1] = idefics3ResizeSize(img.height, img.width, cfg.longestEdge);
  const first = resize(img, w1, h1, cfg.resample);
  const m = cfg.maxImageSize;
  const seen = resize(first, m, m, cfg.resample);
  // One image of the batch's largest size: nothing is padded, so every pixel is real.
  const mask = new Uint8Array(m * m).fill(1);
  return {
    seen,
    tensors: [
      pixelValues([1, 1, 3, m, m], rescaleNormaliseChw(seen.rgb, m, m, cfg)),
      { name: 'pixel_attention_mask', type: 'bool', dims: [1, 1, m, m], data: mask },
    ],
  };
}

function runQwen2vl(img: Rgb, cfg: Qwen2VlConfig): { seen: Rgb; tensors: EncoderTensor[] } {
  const [h, w] = cfg.fixedSize
    ? [cfg.fixedSize.height, cfg.fixedSize.width]
    : smartResize(img.height, img.width, cfg.patchSize * cfg.mergeSize, cfg.minPixels, cfg.maxPixels);
  const seen = resize(img, w, h, cfg.resample);
  const p = patchify(rescaleNormaliseChw(seen.rgb, w, h, cfg), 3, h, w, cfg.patchSize, cfg.mergeSize, cfg.temporalPatchSize);
  return {
    seen,
    tensors: [
      pixelValues([p.gridH * p.gridW, p.rowLength], p.patches),
      { name: 'image_grid_thw', type: 'int64', dims: [1, 3], data: BigInt64Array.of(1n, BigInt(p.gridH), BigInt(p.gridW)) },
    ],
  };
}

function notesFor(cfg: ProcessorConfig): string[] {
  if (cfg.processor === 'llava-onevision')
    return [`Anyres tiling is off for analysis: the model's base view only, the image stretched to ${cfg.size.width} x ${cfg.size.height}.`];
  if (cfg.processor === 'idefics2') {
    const split = cfg.imageSplittingRequested ? ' Image splitting is off too: the model was configured to add four crops.' : '';
    return [
      `Resized to a fixed ${cfg.shortestEdge} x ${cfg.shortestEdge} for analysis, not to the aspect-keeping size Idefics2 picks (sides between ${cfg.shortestEdge} and ${cfg.longestEdge} px).${split}`,
    ];
  }
  if (cfg.processor === 'idefics3') {
    const asked = cfg.imageSplittingRequested ? ' (the model was configured to tile large images into sub-images; here it sees only the global view)' : '';
    return [`Image splitting is off for analysis: one global ${cfg.maxImageSize} x ${cfg.maxImageSize} image${asked}.`];
  }
  if (cfg.processor === 'qwen2-vl' && cfg.fixedSize)
    return [`Resized to a fixed ${cfg.fixedSize.width} x ${cfg.fixedSize.height} for analysis, not to the aspect-keeping size Qwen2-VL picks.`];
  return [];
}

export function encoderInputs(cfg: ProcessorConfig, image: RgbaImage): EncoderInputs {
  const { width, height, rgba } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1))
    throw new RangeError(`invalid image size: ${width} x ${height} (expected positive integers)`);
  if (rgba.length !== width * height * 4)
    throw new RangeError(`invalid image: expected ${width * height * 4} RGBA bytes for ${width} x ${height}, got ${rgba.length}`);
  const img: Rgb = { width, height, rgb: rgbaToRgb(rgba) };
  const run =
    cfg.processor === 'clip'
      ? runClip(img, cfg)
      : cfg.processor === 'siglip' || cfg.processor === 'llava-onevision'
        ? runSiglip(img, cfg)
        : cfg.processor === 'idefics2'
          ? runIdefics2(img, cfg)
          : cfg.processor === 'idefics3'
            ? runIdefics3(img, cfg)
            : runQwen2vl(img, cfg);
  return { tensors: run.tensors, seen: run.seen, notes: notesFor(cfg) };
}

/**
 * A Qwen2-VL config that resizes every image to exactly height x width (the paper's 336 x 336 for
 * fixed-resolution analysis). The size must be one smart_resize leaves alone, so the result equals
 * transformers run on the image first resized to that size.
 */
export function withFixedSize(cfg: Qwen2VlConfig, height: number, width: number): Qwen2VlConfig {
  const factor = cfg.patchSize * cfg.mergeSize;
  const [h, w] =
    Number.isSafeInteger(height) && Number.isSafeInteger(width) && height > 0 && width > 0
      ? smartResize(height, width, factor, cfg.minPixels, cfg.maxPixels)
      : [0, 0];
  if (h !== height || w !== width) {
    throw new UserFacingError(
      `A fixed Qwen2-VL input of ${width} x ${height} is not one the processor keeps: use multiples of ${factor} with between ${cfg.minPixels} and ${cfg.maxPixels} pixels.`,
    );
  }
  return { ...cfg, fixedSize: { height, width } };
}

/** The fixed input side the Qwen2-VL paper analyses at: 336 = 24 patches of 14. */
export const QWEN2VL_ANALYSIS_SIZE = 336;

export interface AnalysisOptions {
  /** Qwen2-VL only: resize every image to this size (see withFixedSize). */
  readonly fixedSize?: HeightWidth;
}

/**
 * The tensors an encoder needs, from its processor's name (or the config's image_processor_type)
 * and its preprocessor_config.json as read from outside. A bad config is refused with a
 * UserFacingError naming every problem.
 */
export function encoderInputsFromJson(processor: ProcessorName | undefined, json: unknown, image: RgbaImage, options: AnalysisOptions = {}): EncoderInputs {
  const parsed = parseProcessorConfig(json, processor);
  if (!parsed.ok) throw new UserFacingError(`The model's preprocessor_config.json cannot be used: ${parsed.errors.join('; ')}.`);
  let cfg = parsed.config;
  if (options.fixedSize) {
    if (cfg.processor !== 'qwen2-vl') throw new RangeError(`fixedSize applies to Qwen2-VL only, not ${cfg.processor}`);
    cfg = withFixedSize(cfg, options.fixedSize.height, options.fixedSize.width);
  }
  return encoderInputs(cfg, image);
}
