/** preprocessor_config.json parsing: the published configs, transformers' defaults, refusals. */
import { describe, expect, it } from 'vitest';
import { parseProcessorConfig, processorFromType, type ProcessorConfig, type ProcessorName } from '../../../../src/core/image/processors/processorConfig.ts';
import { loadHfProcessors } from '../../../support/hfProcessorsFixture.ts';

function ok(json: unknown, processor?: ProcessorName): ProcessorConfig {
  const r = parseProcessorConfig(json, processor);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

function errors(json: unknown, processor?: ProcessorName): readonly string[] {
  const r = parseProcessorConfig(json, processor);
  return r.ok ? [] : r.errors;
}

const OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_STD = [0.26862954, 0.26130258, 0.27577711];

describe('parseProcessorConfig on published configs', () => {
  const { configs } = loadHfProcessors();

  it('reads every config the fixtures were made from, by its image_processor_type or by name', () => {
    for (const [model, { processor, config }] of Object.entries(configs)) {
      expect(ok(config, processor).processor, model).toBe(processor);
      if (config.image_processor_type !== undefined) expect(ok(config).processor, model).toBe(processor);
    }
  });

  it("reads CLIP's legacy integer size and crop_size", () => {
    const c = ok(configs['openai/clip-vit-base-patch32']!.config, 'clip');
    expect(c).toMatchObject({
      processor: 'clip',
      size: { shortestEdge: 224 },
      cropSize: { height: 224, width: 224 },
      doCenterCrop: true,
      resample: 'bicubic',
      mean: OPENAI_MEAN,
      std: OPENAI_STD,
    });
  });

  it("reads SmolVLM's: LANCZOS, longest edge 2048, 512 global image, splitting requested (and ignored)", () => {
    const c = ok(configs['HuggingFaceTB/SmolVLM-256M-Instruct']!.config);
    expect(c).toEqual({
      processor: 'idefics3',
      resample: 'lanczos',
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      longestEdge: 2048,
      maxImageSize: 512,
      imageSplittingRequested: true,
    });
  });

  it("reads Qwen2-VL's min/max pixels and transformers 5's size form", () => {
    expect(ok(configs['Qwen/Qwen2-VL-2B-Instruct']!.config)).toMatchObject({
      minPixels: 3136,
      maxPixels: 12845056,
      patchSize: 14,
      temporalPatchSize: 2,
      mergeSize: 2,
      fixedSize: null,
    });
    expect(ok({ size: { shortest_edge: 100, longest_edge: 5000 } }, 'qwen2-vl')).toMatchObject({ minPixels: 100, maxPixels: 5000 });
    // The explicit keys win over size, as in Qwen2VLImageProcessor.__init__.
    expect(ok({ size: { shortest_edge: 100, longest_edge: 5000 }, max_pixels: 9000 }, 'qwen2-vl')).toMatchObject({ minPixels: 100, maxPixels: 9000 });
  });
});

describe("parseProcessorConfig: an empty config means transformers' class defaults", () => {
  it.each([
    [
      'clip',
      { resample: 'bicubic', mean: OPENAI_MEAN, std: OPENAI_STD, size: { shortestEdge: 224 }, cropSize: { height: 224, width: 224 }, doCenterCrop: true },
    ],
    ['siglip', { resample: 'bicubic', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], size: { height: 224, width: 224 } }],
    ['idefics3', { resample: 'lanczos', mean: [0.5, 0.5, 0.5], longestEdge: 1456, maxImageSize: 364, imageSplittingRequested: true }],
    ['qwen2-vl', { resample: 'bicubic', mean: OPENAI_MEAN, minPixels: 56 * 56, maxPixels: 28 * 28 * 1280, patchSize: 14, temporalPatchSize: 2, mergeSize: 2 }],
  ] as const)('%s', (name, want) => {
    expect(ok({}, name)).toMatchObject({ processor: name, doRescale: true, rescaleFactor: 1 / 255, doNormalize: true, ...want });
  });
});

describe('parseProcessorConfig refusals', () => {
  it('names the processor types it knows, with or without Fast / Pil', () => {
    expect(processorFromType('SiglipImageProcessorFast')).toBe('siglip');
    expect(processorFromType('SmolVLMImageProcessor')).toBe('idefics3');
    expect(processorFromType('CLIPImageProcessorPil')).toBe('clip');
    expect(processorFromType('Qwen2_5_VLImageProcessor')).toBe(null);
    expect(processorFromType(3)).toBe(null);
  });

  it('refuses what is not a config, or a config for another processor', () => {
    expect(errors([1, 2])).toEqual(['preprocessor_config: expected a JSON object, got [1,2]']);
    expect(errors({})).toEqual(['preprocessor_config.image_processor_type: expected a known image processor (or name the processor), got nothing']);
    expect(errors({ image_processor_type: 'SiglipImageProcessor' }, 'clip')).toEqual([
      'preprocessor_config.image_processor_type: expected a clip processor, got "SiglipImageProcessor"',
    ]);
    expect(errors({ image_processor_type: 'ViTImageProcessor' }, 'clip')[0]).toMatch(
      /^preprocessor_config.image_processor_type: expected one of "CLIPImageProcessor", /,
    );
  });

  it('names every bad field and what it expects', () => {
    expect(errors({ do_resize: false, resample: 7, rescale_factor: -1, image_mean: [0.5, 0.5], image_std: 0, do_normalize: 'yes' }, 'siglip')).toEqual([
      'preprocessor_config.do_resize: expected true (the encoder needs a resized input), got false',
      'preprocessor_config.rescale_factor: expected a positive number (1/255 for 8-bit images), got -1',
      'preprocessor_config.resample: expected a PIL resampling code: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming, got 7',
      'preprocessor_config.do_normalize: expected true or false, got "yes"',
      'preprocessor_config.image_mean: expected a finite number or an array of 3 of them (one per RGB channel), got [0.5,0.5]',
      'preprocessor_config.image_std: expected a positive number or an array of 3 of them (one per RGB channel), got 0',
    ]);
    expect(errors({ size: { height: 224 } }, 'siglip')).toEqual(['preprocessor_config.size.width: expected a positive integer, got nothing']);
    expect(errors({ size: 224, crop_size: 300 }, 'clip')).toEqual(['preprocessor_config.crop_size: expected at most the resized size (224 x 224), got 300']);
    expect(errors({ do_center_crop: false }, 'clip')).toEqual([
      'preprocessor_config.do_center_crop: expected true with a shortest_edge size (otherwise the input size depends on the image), got false',
    ]);
    expect(errors({ max_image_size: 512 }, 'idefics3')).toEqual(['preprocessor_config.max_image_size: expected {"longest_edge": n}, got 512']);
    expect(errors({ min_pixels: 5000, max_pixels: 4000 }, 'qwen2-vl')).toEqual([
      'preprocessor_config.max_pixels: expected at least min_pixels (5000), got 4000',
    ]);
    expect(errors({ patch_size: 2 ** 53 + 2 }, 'qwen2-vl')).toEqual(['preprocessor_config.patch_size: expected a positive integer, got 9007199254740994']);
  });

  it('accepts a scalar mean / std, as transformers does, and a stretch CLIP without crop', () => {
    expect(ok({ image_mean: 0.25, image_std: 2 }, 'siglip')).toMatchObject({ mean: [0.25, 0.25, 0.25], std: [2, 2, 2] });
    expect(ok({ size: { height: 30, width: 40 }, do_center_crop: false }, 'clip')).toMatchObject({ size: { height: 30, width: 40 }, doCenterCrop: false });
  });
});
