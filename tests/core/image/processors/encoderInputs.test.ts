/**
 * Parity with transformers' PIL-backend image processors (tests/core/fixtures/hf-processors.json,
 * made by scripts/hfProcessorFixtures.py) on real photos and odd sizes, for every processor:
 * before normalisation (do_rescale and do_normalize off: the 8-bit values every resize produced)
 * within 1/255 on a strided sample and equal over the whole tensor (CRC-32); after normalisation
 * within float32 rounding. The measured maxima are printed per processor.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../../../src/core/image/crc32.ts';
import { encoderInputs, encoderInputsFromJson, type EncoderInputs, type EncoderTensor } from '../../../../src/core/image/processors/encoderInputs.ts';
import { UserFacingError } from '../../../../src/core/errors.ts';
import { float32s, fromBase64, imageFor, imageLabel, loadHfProcessors, type ProcessorCase } from '../../../support/hfProcessorsFixture.ts';
import { parseProcessorConfig } from '../../../../src/core/image/processors/processorConfig.ts';

const fixture = loadHfProcessors();

interface Worst {
  raw: number;
  normalised: number;
  exact: number;
  cases: number;
}
const worst = new Map<string, Worst>();

function record(processor: string, raw: number, normalised: number, exact: boolean): void {
  const w = worst.get(processor) ?? { raw: 0, normalised: 0, exact: 0, cases: 0 };
  worst.set(processor, { raw: Math.max(w.raw, raw), normalised: Math.max(w.normalised, normalised), exact: w.exact + (exact ? 1 : 0), cases: w.cases + 1 });
}

function run(c: ProcessorCase, raw: boolean): EncoderInputs {
  const { processor, config } = fixture.configs[c.model]!;
  const json = raw ? { ...config, do_rescale: false, do_normalize: false } : config;
  return encoderInputsFromJson(processor, json, imageFor(c.image), c.fixedSize ? { fixedSize: c.fixedSize } : {});
}

function floatTensor(inputs: EncoderInputs, name: string): Float32Array {
  const t = inputs.tensors.find((x) => x.name === name);
  if (t?.type !== 'float32') throw new Error(`no float32 tensor ${name}`);
  return t.data;
}

const cases = fixture.cases.filter((c) => c.tensors !== undefined);

describe(`encoder inputs vs transformers ${fixture.transformers} (Pillow ${fixture.pillow})`, () => {
  it('covers every processor on photos and odd sizes', () => {
    for (const processor of ['clip', 'siglip', 'idefics3', 'qwen2-vl']) {
      const mine = cases.filter((c) => fixture.configs[c.model]!.processor === processor);
      expect(
        mine.some((c) => 'photo' in c.image),
        processor,
      ).toBe(true);
      expect(
        mine.some((c) => 'synthetic' in c.image && c.image.synthetic.width * c.image.synthetic.height === 1),
        processor,
      ).toBe(true);
      expect(
        mine.some((c) => 'synthetic' in c.image && c.image.synthetic.width >= 1000),
        processor,
      ).toBe(true);
    }
  });

  it.each(cases.map((c) => [`${c.model}${c.fixedSize ? ` fixed ${c.fixedSize.width}x${c.fixedSize.height}` : ''} on ${imageLabel(c.image)}`, c] as const))(
    '%s',
    (_, c) => {
      const image = imageFor(c.image);
      if (c.image.rgbaCrc32 !== undefined) expect(crc32(new Uint8Array(image.rgba)), 'input image bytes').toBe(c.image.rgbaCrc32);
      const processor = fixture.configs[c.model]!.processor;
      const raw = run(c, true);
      const norm = run(c, false);
      let rawWorst = 0;
      let normWorst = 0;
      let exact = true;
      for (const want of c.tensors!) {
        // Before normalisation: 8-bit values; compare in units of 1/255.
        const got = floatTensor(raw, want.name);
        const gotDims = raw.tensors.find((t) => t.name === want.name)!.dims;
        expect(gotDims).toEqual(want.dims);
        const bytes = Uint8Array.from(got);
        expect(Array.from(got.subarray(0, 64)).every((v, i) => v === bytes[i])).toBe(true);
        const sample = fromBase64(want.raw.sample);
        for (let k = 0; k < sample.length; k++) rawWorst = Math.max(rawWorst, Math.abs(bytes[k * want.raw.stride]! - sample[k]!) / 255);
        expect(rawWorst, `${want.name} before normalisation`).toBeLessThanOrEqual(1 / 255);
        exact &&= crc32(bytes) === want.raw.crc32;
        expect(Math.abs(bytes.reduce((s, v) => s + v, 0) - want.raw.sum) / bytes.length, 'mean difference').toBeLessThanOrEqual(1 / 255);

        const gotNorm = floatTensor(norm, want.name);
        expect(norm.tensors.find((t) => t.name === want.name)!.dims).toEqual(want.dims);
        const normSample = float32s(want.normalised.sample);
        for (let k = 0; k < normSample.length; k++) normWorst = Math.max(normWorst, Math.abs(gotNorm[k * want.normalised.stride]! - normSample[k]!));
        const sum = gotNorm.reduce((s, v) => s + v, 0);
        expect(Math.abs(sum - want.normalised.sum), 'sum after normalisation').toBeLessThanOrEqual(1e-6 * gotNorm.length);
      }
      // Bit-for-bit is what we get and keep: any drift shows here before it nears the tolerance.
      expect(exact, 'every 8-bit value equal (CRC-32 of the whole tensor)').toBe(true);
      expect(normWorst, 'after normalisation (float32 bit-exact)').toBe(0);
      if (c.pixelAttentionMask) {
        const mask = norm.tensors.find((t) => t.name === 'pixel_attention_mask') as Extract<EncoderTensor, { type: 'bool' }>;
        expect(mask.type).toBe('bool');
        expect(mask.dims).toEqual(c.pixelAttentionMask.dims);
        expect(mask.data.reduce((s, v) => s + v, 0)).toBe(c.pixelAttentionMask.ones);
      }
      if (c.imageGridThw) {
        const grid = norm.tensors.find((t) => t.name === 'image_grid_thw') as Extract<EncoderTensor, { type: 'int64' }>;
        expect(grid.type).toBe('int64');
        expect(grid.dims).toEqual([c.imageGridThw.length, 3]);
        expect(Array.from(grid.data, Number)).toEqual(c.imageGridThw.flat());
      }
      expect(norm.tensors.map((t) => t.name)).toEqual([
        'pixel_values',
        ...(c.pixelAttentionMask ? ['pixel_attention_mask'] : []),
        ...(c.imageGridThw ? ['image_grid_thw'] : []),
      ]);
      record(processor, rawWorst, normWorst, exact);
    },
  );

  it.each(fixture.cases.filter((c) => c.error !== undefined).map((c) => [imageLabel(c.image), c] as const))(
    'refuses what transformers refuses: Qwen2-VL on %s',
    (_, c) => {
      const { processor, config } = fixture.configs[c.model]!;
      expect(() => encoderInputsFromJson(processor, config, imageFor(c.image))).toThrow(UserFacingError);
      expect(() => encoderInputsFromJson(processor, config, imageFor(c.image))).toThrow(/aspect ratio/);
      // With a fixed size the image is first resized to it, so nothing is refused.
      expect(encoderInputsFromJson(processor, config, imageFor(c.image), { fixedSize: { height: 336, width: 336 } }).tensors[0]!.dims).toEqual([576, 1176]);
    },
  );

  afterAll(() => {
    const rows = [...worst].map(
      ([p, w]) =>
        `  ${p.padEnd(9)} ${String(w.cases).padStart(2)} cases  before normalisation max |diff| ${(w.raw * 255).toFixed(0)}/255 (${w.exact}/${w.cases} tensors bit-exact)  after normalisation max |diff| ${w.normalised.toExponential(1)}`,
    );
    if (rows.length > 0) console.log(`Preprocessing parity with transformers ${fixture.transformers} / Pillow ${fixture.pillow}:\n${rows.join('\n')}`);
  });
});

describe('encoderInputs contract', () => {
  const photo = imageFor({ photo: 'chelsea' });

  it('says that Idefics3 tiling is off, and what a fixed Qwen2-VL size does', () => {
    const smol = fixture.configs['HuggingFaceTB/SmolVLM-256M-Instruct']!;
    expect(encoderInputsFromJson('idefics3', smol.config, photo).notes.join(' ')).toMatch(/splitting is off for analysis: one global 512 x 512 image/);
    const qwen = fixture.configs['Qwen/Qwen2-VL-2B-Instruct']!;
    expect(encoderInputsFromJson('qwen2-vl', qwen.config, photo).notes).toEqual([]);
    expect(encoderInputsFromJson('qwen2-vl', qwen.config, photo, { fixedSize: { height: 336, width: 336 } }).notes.join(' ')).toMatch(/fixed 336 x 336/);
  });

  it('returns the 8-bit image the encoder sees, which is pixel_values before normalisation', () => {
    const clipCfg = parseProcessorConfig({ size: 20, crop_size: { height: 12, width: 16 } }, 'clip');
    if (!clipCfg.ok) throw new Error(clipCfg.errors.join());
    const raw = parseProcessorConfig({ size: 20, crop_size: { height: 12, width: 16 }, do_rescale: false, do_normalize: false }, 'clip');
    if (!raw.ok) throw new Error(raw.errors.join());
    const { seen, tensors } = encoderInputs(raw.config, photo);
    expect([seen.width, seen.height]).toEqual([16, 12]);
    const pv = tensors[0]!.data as Float32Array;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 16 * 12; p++) expect(pv[c * 192 + p]).toBe(seen.rgb[p * 3 + c]);
    expect(encoderInputs(clipCfg.config, photo).seen.rgb).toEqual(seen.rgb);
  });

  it('drops alpha as PIL convert("RGB") does: transparent pixels keep their colour', () => {
    const cfg = parseProcessorConfig({ size: { height: 2, width: 2 }, do_rescale: false, do_normalize: false }, 'siglip');
    if (!cfg.ok) throw new Error(cfg.errors.join());
    const rgba = Uint8Array.of(10, 20, 30, 0, 40, 50, 60, 255, 70, 80, 90, 7, 100, 110, 120, 128);
    expect(Array.from(encoderInputs(cfg.config, { width: 2, height: 2, rgba }).seen.rgb)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  });

  it('refuses inconsistent images and bad configs with every problem named', () => {
    const cfg = parseProcessorConfig({}, 'siglip');
    if (!cfg.ok) throw new Error(cfg.errors.join());
    expect(() => encoderInputs(cfg.config, { width: 2, height: 2, rgba: new Uint8Array(15) })).toThrow(
      'invalid image: expected 16 RGBA bytes for 2 x 2, got 15',
    );
    expect(() => encoderInputs(cfg.config, { width: 0, height: 2, rgba: new Uint8Array(0) })).toThrow('invalid image size: 0 x 2');
    expect(() => encoderInputsFromJson('siglip', { size: 224, image_std: [0.5, 0, 0.5] }, photo)).toThrow(
      'The model\'s preprocessor_config.json cannot be used: preprocessor_config.image_std: expected a positive number or an array of 3 of them (one per RGB channel), got [0.5,0,0.5]; preprocessor_config.size: expected {"height": h, "width": w}, got 224.',
    );
    expect(() => encoderInputsFromJson('siglip', {}, photo, { fixedSize: { height: 336, width: 336 } })).toThrow('fixedSize applies to Qwen2-VL only');
    expect(() => encoderInputsFromJson('qwen2-vl', {}, photo, { fixedSize: { height: 330, width: 336 } })).toThrow(
      /not one the processor keeps: use multiples of 28/,
    );
  });
});
