/**
 * The image processors of the VLM vision encoders we run, as typed configs, and the parser that
 * turns a model's preprocessor_config.json (outside data) into one. Defaults are those of
 * transformers 5.18's PIL-backend processors (CLIPImageProcessorPil, SiglipImageProcessorPil,
 * LlavaOnevisionImageProcessorPil, Idefics2ImageProcessorPil, Idefics3ImageProcessorPil = SmolVLMImageProcessorPil,
 * Qwen2VLImageProcessorPil), so a field a
 * config leaves out means what it means to transformers. Every problem is reported, each naming
 * the field and what was expected, e.g. `preprocessor_config.size.height: expected a positive
 * integer, got "224"`. Unknown keys (processor_class, ...) are ignored, as transformers does.
 */
import { PIL_RESAMPLE_CODES, type Resample } from '../resample.ts';

export type ProcessorName = 'clip' | 'siglip' | 'llava-onevision' | 'idefics2' | 'idefics3' | 'qwen2-vl';
export const PROCESSOR_NAMES: readonly ProcessorName[] = ['clip', 'siglip', 'llava-onevision', 'idefics2', 'idefics3', 'qwen2-vl'];

export type Triple = readonly [number, number, number];
export interface HeightWidth {
  readonly height: number;
  readonly width: number;
}

/** Steps every processor shares: resample filter, then x * rescaleFactor, then (x - mean) / std. */
export interface CommonConfig {
  readonly resample: Resample;
  readonly doRescale: boolean;
  readonly rescaleFactor: number;
  readonly doNormalize: boolean;
  readonly mean: Triple;
  readonly std: Triple;
}

export interface ClipConfig extends CommonConfig {
  readonly processor: 'clip';
  /** Short side to shortestEdge (long side truncated), or a stretch to height x width. */
  readonly size: { readonly shortestEdge: number } | HeightWidth;
  readonly doCenterCrop: boolean;
  readonly cropSize: HeightWidth;
}

export interface SiglipConfig extends CommonConfig {
  readonly processor: 'siglip';
  readonly size: HeightWidth;
}

/**
 * LLaVA-OneVision's processor makes a base view (the image stretched to size, as SigLIP's) and
 * anyres tiles on its grid pinpoints; the analysis takes the base view only.
 */
export interface LlavaOnevisionConfig extends CommonConfig {
  readonly processor: 'llava-onevision';
  readonly size: HeightWidth;
}

export interface Idefics2Config extends CommonConfig {
  readonly processor: 'idefics2';
  /** size.shortest_edge: the analysis stretches every image to this square (see encoderInputs.ts). */
  readonly shortestEdge: number;
  /** size.longest_edge: the model's own bound on a side, for the note on the departure. */
  readonly longestEdge: number;
  /** What the config asked for; analysis always runs with splitting off (one image). */
  readonly imageSplittingRequested: boolean;
}

export interface Idefics3Config extends CommonConfig {
  readonly processor: 'idefics3';
  /** size.longest_edge: first resize, aspect kept. */
  readonly longestEdge: number;
  /** max_image_size.longest_edge: the encoder's square input side. */
  readonly maxImageSize: number;
  /** What the config asked for; analysis always runs with splitting off (one global image). */
  readonly imageSplittingRequested: boolean;
}

export interface Qwen2VlConfig extends CommonConfig {
  readonly processor: 'qwen2-vl';
  readonly minPixels: number;
  readonly maxPixels: number;
  readonly patchSize: number;
  readonly temporalPatchSize: number;
  readonly mergeSize: number;
  /**
   * Not an HF field: when set, every image is resized to exactly this size (a multiple of
   * patchSize * mergeSize) instead of smart_resize's aspect-preserving one, so all images share
   * one grid. Set it with withFixedSize.
   */
  readonly fixedSize: HeightWidth | null;
}

export type ProcessorConfig = ClipConfig | SiglipConfig | LlavaOnevisionConfig | Idefics2Config | Idefics3Config | Qwen2VlConfig;

export type ProcessorConfigCheck = { readonly ok: true; readonly config: ProcessorConfig } | { readonly ok: false; readonly errors: readonly string[] };

const OPENAI_CLIP_MEAN: Triple = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD: Triple = [0.26862954, 0.26130258, 0.27577711];
const IMAGENET_STANDARD: Triple = [0.5, 0.5, 0.5];

/** transformers' class-level defaults for the fields every processor shares. */
const DEFAULTS: Record<ProcessorName, Pick<CommonConfig, 'resample' | 'mean' | 'std'>> = {
  clip: { resample: 'bicubic', mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD },
  siglip: { resample: 'bicubic', mean: IMAGENET_STANDARD, std: IMAGENET_STANDARD },
  'llava-onevision': { resample: 'bicubic', mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD },
  idefics2: { resample: 'bilinear', mean: IMAGENET_STANDARD, std: IMAGENET_STANDARD },
  idefics3: { resample: 'lanczos', mean: IMAGENET_STANDARD, std: IMAGENET_STANDARD },
  'qwen2-vl': { resample: 'bicubic', mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD },
};

/** image_processor_type values (with or without transformers' Fast / Pil suffix) -> processor. */
const PROCESSOR_TYPES: Readonly<Record<string, ProcessorName>> = {
  CLIPImageProcessor: 'clip',
  CLIPFeatureExtractor: 'clip',
  SiglipImageProcessor: 'siglip',
  LlavaOnevisionImageProcessor: 'llava-onevision',
  Idefics2ImageProcessor: 'idefics2',
  Idefics3ImageProcessor: 'idefics3',
  SmolVLMImageProcessor: 'idefics3',
  Qwen2VLImageProcessor: 'qwen2-vl',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
};
const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Checker {
  readonly errors: string[] = [];
  expect(path: string, what: string, got: unknown): void {
    this.errors.push(`preprocessor_config${path ? `.${path}` : ''}: expected ${what}, got ${show(got)}`);
  }
  bool(o: Obj, key: string, fallback: boolean): boolean {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    this.expect(key, 'true or false', v);
    return fallback;
  }
  posInt(o: Obj, key: string, path: string, fallback: number): number {
    const v = o[key];
    if (v === undefined) return fallback;
    // Safe integers only: past 2^53 sizes and pixel counts are no longer exact.
    if (isPosInt(v)) return v;
    this.expect(path, 'a positive integer', v);
    return fallback;
  }
  /** A number or three numbers, as transformers accepts for image_mean / image_std. */
  triple(o: Obj, key: string, fallback: Triple, positive: boolean): Triple {
    const v = o[key];
    if (v === undefined) return fallback;
    const ok = (x: unknown): x is number => isFiniteNumber(x) && (!positive || x > 0);
    if (ok(v)) return [v, v, v];
    if (Array.isArray(v) && v.length === 3 && v.every(ok)) return [v[0] as number, v[1] as number, v[2] as number];
    this.expect(key, `a ${positive ? 'positive' : 'finite'} number or an array of 3 of them (one per RGB channel)`, v);
    return fallback;
  }
  resample(o: Obj, fallback: Resample): Resample {
    const v = o.resample;
    if (v === undefined) return fallback;
    const r = typeof v === 'number' && Number.isInteger(v) ? PIL_RESAMPLE_CODES[v] : undefined;
    if (r !== undefined) return r;
    this.expect('resample', 'a PIL resampling code: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming', v);
    return fallback;
  }
  /** A size dict: an object whose `keys` are all positive integers (other keys ignored). */
  sizeDict<K extends string>(v: unknown, path: string, keys: readonly K[], what: string): Record<K, number> | null {
    if (!isObj(v)) {
      this.expect(path, what, v);
      return null;
    }
    const bad = keys.filter((k) => !isPosInt(v[k]));
    for (const k of bad) this.expect(`${path}.${k}`, 'a positive integer', v[k]);
    return bad.length > 0 ? null : (Object.fromEntries(keys.map((k) => [k, v[k]])) as Record<K, number>);
  }
}

function common(c: Checker, o: Obj, processor: ProcessorName): CommonConfig {
  const d = DEFAULTS[processor];
  // An encoder needs a fixed-size (or, for Qwen2-VL, a patch-aligned) input: no resize breaks that.
  if (o.do_resize !== undefined && o.do_resize !== true) c.expect('do_resize', 'true (the encoder needs a resized input)', o.do_resize);
  if (o.do_convert_rgb !== undefined && typeof o.do_convert_rgb !== 'boolean') c.expect('do_convert_rgb', 'true or false', o.do_convert_rgb);
  const rescaleFactor = o.rescale_factor === undefined ? 1 / 255 : o.rescale_factor;
  if (!(isFiniteNumber(rescaleFactor) && rescaleFactor > 0)) c.expect('rescale_factor', 'a positive number (1/255 for 8-bit images)', rescaleFactor);
  return {
    resample: c.resample(o, d.resample),
    doRescale: c.bool(o, 'do_rescale', true),
    rescaleFactor: isFiniteNumber(rescaleFactor) && rescaleFactor > 0 ? rescaleFactor : 1 / 255,
    doNormalize: c.bool(o, 'do_normalize', true),
    mean: c.triple(o, 'image_mean', d.mean, false),
    std: c.triple(o, 'image_std', d.std, true),
  };
}

function clip(c: Checker, o: Obj, base: CommonConfig): ClipConfig {
  // get_size_dict with default_to_square=False: a bare integer is the shortest edge (CLIP's legacy form).
  let size: ClipConfig['size'] = { shortestEdge: 224 };
  if (isPosInt(o.size)) size = { shortestEdge: o.size };
  else if (isObj(o.size) && 'shortest_edge' in o.size) {
    const s = c.sizeDict(o.size, 'size', ['shortest_edge'] as const, '{"shortest_edge": n} or {"height": h, "width": w}');
    if (s) size = { shortestEdge: s.shortest_edge };
  } else if (o.size !== undefined) {
    const s = c.sizeDict(o.size, 'size', ['height', 'width'] as const, 'an integer, {"shortest_edge": n} or {"height": h, "width": w}');
    if (s) size = s;
  }
  let cropSize: HeightWidth = { height: 224, width: 224 };
  if (isPosInt(o.crop_size)) cropSize = { height: o.crop_size, width: o.crop_size };
  else if (o.crop_size !== undefined) {
    const s = c.sizeDict(o.crop_size, 'crop_size', ['height', 'width'] as const, 'an integer or {"height": h, "width": w}');
    if (s) cropSize = s;
  }
  const doCenterCrop = c.bool(o, 'do_center_crop', true);
  // HF pads with zeros where the crop is larger than the resized image; no encoder config does that.
  const [minH, minW] = 'shortestEdge' in size ? [size.shortestEdge, size.shortestEdge] : [size.height, size.width];
  if (doCenterCrop && (cropSize.height > minH || cropSize.width > minW)) c.expect('crop_size', `at most the resized size (${minH} x ${minW})`, o.crop_size);
  if (!doCenterCrop && 'shortestEdge' in size)
    c.expect('do_center_crop', 'true with a shortest_edge size (otherwise the input size depends on the image)', o.do_center_crop);
  return { processor: 'clip', ...base, size, doCenterCrop, cropSize };
}

function siglip(c: Checker, o: Obj, base: CommonConfig): SiglipConfig {
  let size: HeightWidth = { height: 224, width: 224 };
  if (o.size !== undefined) {
    // A bare integer would become {shortest_edge} (default_to_square=False) and a non-square input.
    const s = c.sizeDict(o.size, 'size', ['height', 'width'] as const, '{"height": h, "width": w}');
    if (s) size = s;
  }
  return { processor: 'siglip', ...base, size };
}

function llavaOnevision(c: Checker, o: Obj, base: CommonConfig): LlavaOnevisionConfig {
  let size: HeightWidth = { height: 384, width: 384 };
  if (o.size !== undefined) {
    const s = c.sizeDict(o.size, 'size', ['height', 'width'] as const, '{"height": h, "width": w}');
    if (s) size = s;
  }
  if (o.do_pad !== undefined && typeof o.do_pad !== 'boolean') c.expect('do_pad', 'true or false', o.do_pad);
  return { processor: 'llava-onevision', ...base, size };
}

function idefics2(c: Checker, o: Obj, base: CommonConfig): Idefics2Config {
  let shortestEdge = 378;
  let longestEdge = 980;
  if (o.size !== undefined) {
    const s = c.sizeDict(o.size, 'size', ['shortest_edge', 'longest_edge'] as const, '{"shortest_edge": n, "longest_edge": m}');
    if (s) ({ shortest_edge: shortestEdge, longest_edge: longestEdge } = s);
  }
  if (o.do_pad !== undefined && typeof o.do_pad !== 'boolean') c.expect('do_pad', 'true or false', o.do_pad);
  return { processor: 'idefics2', ...base, shortestEdge, longestEdge, imageSplittingRequested: c.bool(o, 'do_image_splitting', false) };
}

function idefics3(c: Checker, o: Obj, base: CommonConfig): Idefics3Config {
  let longestEdge = 4 * 364;
  if (o.size !== undefined) {
    const s = c.sizeDict(o.size, 'size', ['longest_edge'] as const, '{"longest_edge": n}');
    if (s) longestEdge = s.longest_edge;
  }
  let maxImageSize = 364;
  if (o.max_image_size !== undefined) {
    const s = c.sizeDict(o.max_image_size, 'max_image_size', ['longest_edge'] as const, '{"longest_edge": n}');
    if (s) maxImageSize = s.longest_edge;
  }
  if (o.do_pad !== undefined && typeof o.do_pad !== 'boolean') c.expect('do_pad', 'true or false', o.do_pad);
  return { processor: 'idefics3', ...base, longestEdge, maxImageSize, imageSplittingRequested: c.bool(o, 'do_image_splitting', true) };
}

function qwen2vl(c: Checker, o: Obj, base: CommonConfig): Qwen2VlConfig {
  // Older configs say min_pixels / max_pixels; transformers 5 saves size {shortest_edge, longest_edge}
  // (pixel counts, despite the names). The explicit keys win, as in Qwen2VLImageProcessor.__init__.
  let minPixels = 56 * 56;
  let maxPixels = 28 * 28 * 1280;
  if (o.size !== undefined) {
    const s = c.sizeDict(o.size, 'size', ['shortest_edge', 'longest_edge'] as const, '{"shortest_edge": min_pixels, "longest_edge": max_pixels}');
    if (s) [minPixels, maxPixels] = [s.shortest_edge, s.longest_edge];
  }
  minPixels = c.posInt(o, 'min_pixels', 'min_pixels', minPixels);
  maxPixels = c.posInt(o, 'max_pixels', 'max_pixels', maxPixels);
  if (minPixels > maxPixels) c.expect('max_pixels', `at least min_pixels (${minPixels})`, maxPixels);
  return {
    processor: 'qwen2-vl',
    ...base,
    minPixels,
    maxPixels,
    patchSize: c.posInt(o, 'patch_size', 'patch_size', 14),
    temporalPatchSize: c.posInt(o, 'temporal_patch_size', 'temporal_patch_size', 2),
    mergeSize: c.posInt(o, 'merge_size', 'merge_size', 2),
    fixedSize: null,
  };
}

/** The processor an image_processor_type names, e.g. "SiglipImageProcessorFast" -> 'siglip'. */
export function processorFromType(type: unknown): ProcessorName | null {
  if (typeof type !== 'string') return null;
  return PROCESSOR_TYPES[type.replace(/(Fast|Pil)$/, '')] ?? null;
}

/**
 * Parse a preprocessor_config.json. `processor` names the processor; without it the config's
 * image_processor_type decides. A config whose image_processor_type names another processor than
 * the one asked for is refused: its fields would mean something else.
 */
export function parseProcessorConfig(json: unknown, processor?: ProcessorName): ProcessorConfigCheck {
  const c = new Checker();
  if (!isObj(json)) return { ok: false, errors: [`preprocessor_config: expected a JSON object, got ${show(json)}`] };
  const declared = processorFromType(json.image_processor_type);
  if (json.image_processor_type !== undefined && declared === null) {
    c.expect(
      'image_processor_type',
      `one of ${Object.keys(PROCESSOR_TYPES)
        .map((t) => `"${t}"`)
        .join(', ')}`,
      json.image_processor_type,
    );
    return { ok: false, errors: c.errors };
  }
  const name = processor ?? declared;
  if (name === null) {
    c.expect('image_processor_type', 'a known image processor (or name the processor)', json.image_processor_type);
    return { ok: false, errors: c.errors };
  }
  if (declared !== null && declared !== name) {
    c.expect('image_processor_type', `a ${name} processor`, json.image_processor_type);
    return { ok: false, errors: c.errors };
  }
  const base = common(c, json, name);
  const parse = { clip, siglip, 'llava-onevision': llavaOnevision, idefics2, idefics3, 'qwen2-vl': qwen2vl }[name];
  const config: ProcessorConfig = parse(c, json, base);
  return c.errors.length > 0 ? { ok: false, errors: c.errors } : { ok: true, config };
}
