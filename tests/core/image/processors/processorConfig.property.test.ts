/**
 * Properties of parseProcessorConfig on generated configs (outside data) and of encoderInputs on
 * what it accepts: valid configs read back field for field; a field made invalid is named; any
 * JSON gives a result, never an exception; accepted configs give tensors of the promised shapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encoderInputs } from '../../../../src/core/image/processors/encoderInputs.ts';
import { parseProcessorConfig, PROCESSOR_NAMES, type ProcessorConfig, type ProcessorName } from '../../../../src/core/image/processors/processorConfig.ts';
import { smartResize } from '../../../../src/core/image/processors/smartResize.ts';
import { PIL_RESAMPLE_CODES } from '../../../../src/core/image/resample.ts';

const RUNS = 1000;

type Json = Record<string, unknown>;
const side = fc.integer({ min: 1, max: 48 });
// + 0 turns -0 into 0, which is what a JSON round trip makes of it.
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }).map((x) => x + 0);
const positive = fc.double({ noNaN: true, min: 1e-3, max: 10 });
const triple = (x: fc.Arbitrary<number>) => fc.oneof(x, fc.tuple(x, x, x));

/** Common fields, each present or left out. */
const common = fc.record(
  {
    do_resize: fc.constant(true),
    resample: fc.integer({ min: 0, max: 5 }),
    do_rescale: fc.boolean(),
    rescale_factor: positive,
    do_normalize: fc.boolean(),
    image_mean: triple(finite),
    image_std: triple(positive),
    do_convert_rgb: fc.boolean(),
    processor_class: fc.string(),
  },
  { requiredKeys: [] },
);

const specific: Record<ProcessorName, fc.Arbitrary<Json>> = {
  clip: fc.tuple(side, side, fc.boolean(), fc.nat(), fc.nat(), fc.boolean()).map(([s, s2, shortest, ch, cw, intForm]) => {
    if (shortest) {
      const crop = { height: 1 + (ch % s), width: 1 + (cw % s) };
      return { size: intForm ? s : { shortest_edge: s }, crop_size: intForm && crop.height === crop.width ? crop.height : crop, do_center_crop: true };
    }
    return { size: { height: s, width: s2 }, do_center_crop: false };
  }),
  siglip: fc.tuple(side, side).map(([h, w]) => ({ size: { height: h, width: w } })),
  'llava-onevision': fc.tuple(side, side, fc.boolean()).map(([h, w, pad]) => ({ size: { height: h, width: w }, do_pad: pad })),
  idefics2: fc
    .tuple(side, side, fc.boolean(), fc.boolean())
    .map(([s, l, split, pad]) => ({ size: { shortest_edge: s, longest_edge: l }, do_image_splitting: split, do_pad: pad })),
  idefics3: fc
    .tuple(side, side, fc.boolean(), fc.boolean())
    .map(([l, m, split, pad]) => ({ size: { longest_edge: l }, max_image_size: { longest_edge: m }, do_image_splitting: split, do_pad: pad })),
  'qwen2-vl': fc
    .tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4000 }),
      fc.integer({ min: 0, max: 4000 }),
      fc.boolean(),
    )
    .map(([patch, merge, temporal, lo, extra, sizeForm]) =>
      sizeForm
        ? { size: { shortest_edge: lo, longest_edge: lo + extra }, patch_size: patch, merge_size: merge, temporal_patch_size: temporal }
        : { min_pixels: lo, max_pixels: lo + extra, patch_size: patch, merge_size: merge, temporal_patch_size: temporal },
    ),
};

const TYPES: Record<ProcessorName, string> = {
  clip: 'CLIPImageProcessor',
  siglip: 'SiglipImageProcessor',
  'llava-onevision': 'LlavaOnevisionImageProcessor',
  idefics2: 'Idefics2ImageProcessor',
  idefics3: 'Idefics3ImageProcessor',
  'qwen2-vl': 'Qwen2VLImageProcessor',
};

const validConfig = fc
  .constantFrom(...PROCESSOR_NAMES)
  .chain((name) => fc.tuple(fc.constant(name), common, specific[name], fc.boolean()))
  .map(([name, c, s, typed]) => ({ name, json: { ...c, ...s, ...(typed ? { image_processor_type: TYPES[name] } : {}) } as Json }));

/** What the parser must have read, from the JSON alone. */
function expectReadBack(name: ProcessorName, json: Json, cfg: ProcessorConfig): void {
  expect(cfg.processor).toBe(name);
  if (json.resample !== undefined) expect(cfg.resample).toBe(PIL_RESAMPLE_CODES[json.resample as number]);
  if (json.rescale_factor !== undefined) expect(cfg.rescaleFactor).toBe(json.rescale_factor);
  expect(cfg.doRescale).toBe(json.do_rescale ?? true);
  expect(cfg.doNormalize).toBe(json.do_normalize ?? true);
  const asTriple = (v: unknown) => (typeof v === 'number' ? [v, v, v] : v);
  if (json.image_mean !== undefined) expect(cfg.mean).toEqual(asTriple(json.image_mean));
  if (json.image_std !== undefined) expect(cfg.std).toEqual(asTriple(json.image_std));
  if (cfg.processor === 'siglip' || cfg.processor === 'llava-onevision') expect(cfg.size).toEqual(json.size);
  if (cfg.processor === 'idefics2') {
    const size = json.size as Json;
    expect([cfg.shortestEdge, cfg.longestEdge, cfg.imageSplittingRequested]).toEqual([size.shortest_edge, size.longest_edge, json.do_image_splitting]);
  }
  if (cfg.processor === 'idefics3') {
    expect([cfg.longestEdge, cfg.maxImageSize, cfg.imageSplittingRequested]).toEqual([
      (json.size as Json).longest_edge,
      (json.max_image_size as Json).longest_edge,
      json.do_image_splitting,
    ]);
  }
  if (cfg.processor === 'qwen2-vl') {
    const size = json.size as Json | undefined;
    expect([cfg.minPixels, cfg.maxPixels]).toEqual([json.min_pixels ?? size?.shortest_edge, json.max_pixels ?? size?.longest_edge]);
    expect([cfg.patchSize, cfg.mergeSize, cfg.temporalPatchSize, cfg.fixedSize]).toEqual([json.patch_size, json.merge_size, json.temporal_patch_size, null]);
  }
  if (cfg.processor === 'clip') {
    const s = json.size;
    expect(cfg.size).toEqual(typeof s === 'number' ? { shortestEdge: s } : 'shortest_edge' in (s as Json) ? { shortestEdge: (s as Json).shortest_edge } : s);
  }
}

/** Values no field accepts where the field is required to be of its kind. */
const invalid = fc.oneof(fc.constantFrom(null, 'x', [], [1, 2], Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1.5, 2 ** 53 + 2, {}));

/** Whether `value` is, for `key`, something the parser must refuse. */
function refused(key: string, value: unknown): boolean {
  const posInt = typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
  switch (key) {
    case 'do_resize':
      return value !== true;
    case 'do_rescale':
    case 'do_normalize':
    case 'do_convert_rgb':
    case 'do_image_splitting':
    case 'do_pad':
      return typeof value !== 'boolean';
    case 'resample':
      return !(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 5);
    case 'rescale_factor':
      return !(typeof value === 'number' && Number.isFinite(value) && value > 0);
    case 'image_mean':
      return !(typeof value === 'number' && Number.isFinite(value));
    case 'image_std':
      return !(typeof value === 'number' && Number.isFinite(value) && value > 0);
    case 'patch_size':
    case 'merge_size':
    case 'temporal_patch_size':
      return !posInt;
    default:
      return true; // size dicts: none of `invalid` is an acceptable one
  }
}

describe('parseProcessorConfig properties', () => {
  it('accepts every valid config and reads each field back (also after a JSON round trip)', () => {
    fc.assert(
      fc.property(validConfig, ({ name, json }) => {
        const r = parseProcessorConfig(json, name);
        expect(r.ok ? [] : r.errors).toEqual([]);
        if (r.ok) expectReadBack(name, json, r.config);
        expect(parseProcessorConfig(JSON.parse(JSON.stringify(json)), name)).toEqual(r);
        if ('image_processor_type' in json) expect(parseProcessorConfig(json)).toEqual(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('names the field when one is made invalid', () => {
    const mutated = validConfig.chain(({ name, json }) =>
      fc.tuple(
        fc.constant(name),
        fc.constant(json),
        fc.constantFrom(...Object.keys(json).filter((k) => k !== 'processor_class' && k !== 'image_processor_type')),
        invalid,
      ),
    );
    fc.assert(
      fc.property(mutated, ([name, json, key, value]) => {
        const r = parseProcessorConfig({ ...json, [key]: value }, name);
        if (!refused(key, value)) return;
        expect(r.ok, `${key} = ${String(value)}`).toBe(false);
        if (!r.ok)
          expect(
            r.errors.some((e) => e.startsWith(`preprocessor_config.${key}:`) || e.startsWith(`preprocessor_config.${key}.`)),
            JSON.stringify(r.errors),
          ).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('returns a result for any JSON, never throws; every error names a field and what it expects', () => {
    const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300, undefined));
    fc.assert(
      fc.property(
        validConfig,
        fc.dictionary(
          fc.constantFrom(
            'size',
            'crop_size',
            'max_image_size',
            'min_pixels',
            'max_pixels',
            'resample',
            'image_mean',
            'image_std',
            'image_processor_type',
            'rescale_factor',
            'merge_size',
          ),
          anyValue,
        ),
        anyValue,
        fc.boolean(),
        fc.option(fc.constantFrom(...PROCESSOR_NAMES), { nil: undefined }),
        ({ json }, edits, whole, replaceWhole, name) => {
          const input = replaceWhole ? whole : { ...json, ...edits };
          const r = parseProcessorConfig(input, name);
          if (!r.ok) {
            expect(r.errors.length).toBeGreaterThan(0);
            for (const e of r.errors) expect(e).toMatch(/^preprocessor_config(\.[\w.]+)?: expected /);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('encoderInputs properties', () => {
  const image = fc
    .tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }))
    .map(([width, height, seed]) => {
      let s = seed;
      const rgba = Uint8Array.from({ length: width * height * 4 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 255);
      return { width, height, rgba };
    });
  // Small sizes keep a run cheap; Qwen2-VL's pixel range is kept small too.
  const small = validConfig.filter(
    ({ name, json }) => name !== 'qwen2-vl' || ((json.max_pixels ?? (json.size as Json | undefined)?.longest_edge) as number) <= 4000,
  );

  it('gives tensors of the promised shapes, finite values, and the 8-bit image the encoder saw', () => {
    fc.assert(
      fc.property(small, image, ({ name, json }, img) => {
        const r = parseProcessorConfig(json, name);
        if (!r.ok) throw new Error(r.errors.join());
        const cfg = r.config;
        let out;
        try {
          out = encoderInputs(cfg, img);
        } catch {
          // Only Qwen2-VL refuses images, and only for an aspect ratio above 200.
          expect(cfg.processor === 'qwen2-vl' && Math.max(img.width, img.height) / Math.min(img.width, img.height) > 200).toBe(true);
          return;
        }
        const pv = out.tensors[0]!;
        expect(pv.name).toBe('pixel_values');
        expect(pv.data.length).toBe(pv.dims.reduce((a, b) => a * b, 1));
        if (pv.type === 'float32') expect(pv.data.every(Number.isFinite)).toBe(true);
        const { width, height } = out.seen;
        expect(out.seen.rgb.length).toBe(width * height * 3);
        if (cfg.processor === 'clip') expect(pv.dims).toEqual([1, 3, height, width]);
        if (cfg.processor === 'siglip' || cfg.processor === 'llava-onevision') {
          expect([width, height]).toEqual([cfg.size.width, cfg.size.height]);
          expect(pv.dims).toEqual([1, 3, cfg.size.height, cfg.size.width]);
        }
        if (cfg.processor === 'idefics2') {
          // Every image stretched to the one square the analysis uses, with an all-ones mask.
          expect([width, height]).toEqual([cfg.shortestEdge, cfg.shortestEdge]);
          expect(pv.dims).toEqual([1, 1, 3, cfg.shortestEdge, cfg.shortestEdge]);
          const mask = out.tensors[1]!;
          expect([mask.name, mask.type, mask.dims]).toEqual(['pixel_attention_mask', 'bool', [1, 1, cfg.shortestEdge, cfg.shortestEdge]]);
          expect(mask.data.every((v) => v === 1)).toBe(true);
        }
        if (cfg.processor === 'idefics3') {
          expect(pv.dims).toEqual([1, 1, 3, cfg.maxImageSize, cfg.maxImageSize]);
          const mask = out.tensors[1]!;
          expect([mask.name, mask.type, mask.dims]).toEqual(['pixel_attention_mask', 'bool', [1, 1, cfg.maxImageSize, cfg.maxImageSize]]);
          expect(mask.data.every((v) => v === 1)).toBe(true);
        }
        if (cfg.processor === 'qwen2-vl') {
          const f = cfg.patchSize * cfg.mergeSize;
          expect([height, width]).toEqual(smartResize(img.height, img.width, f, cfg.minPixels, cfg.maxPixels));
          expect(height % f === 0 && width % f === 0).toBe(true);
          const gh = height / cfg.patchSize;
          const gw = width / cfg.patchSize;
          expect(pv.dims).toEqual([gh * gw, 3 * cfg.temporalPatchSize * cfg.patchSize ** 2]);
          expect(Array.from(out.tensors[1]!.data as BigInt64Array)).toEqual([1n, BigInt(gh), BigInt(gw)]);
        }
        // With rescale and normalise off, pixel_values holds exactly the bytes the encoder saw.
        if (!cfg.doRescale && !cfg.doNormalize && pv.type === 'float32') {
          const seenSum = out.seen.rgb.reduce((a, b) => a + b, 0);
          const pvSum = (pv.data as Float32Array).reduce((a, b) => a + b, 0);
          expect(pvSum).toBe(cfg.processor === 'qwen2-vl' ? seenSum * cfg.temporalPatchSize : seenSum);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
