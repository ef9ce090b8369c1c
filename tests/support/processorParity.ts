/**
 * The parity suite of the app's image processors against a transformers fixture
 * (scripts/hfProcessorFixtures.py's hf-processors.json): before normalisation (do_rescale and
 * do_normalize off: the 8-bit values every resize produced) within 1/255 on a strided sample and
 * equal over the whole tensor (CRC-32); after normalisation bit-exact. Run on the committed
 * fixture (tests/core/image/processors/encoderInputs.test.ts) and on one made live by the
 * installed transformers (tests/tools/hfProcessorsLive.test.ts). The measured maxima are printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/core/image/crc32.ts';
import { encoderInputsFromJson, type EncoderInputs, type EncoderTensor } from '../../src/core/image/processors/encoderInputs.ts';
import { UserFacingError } from '../../src/core/errors.ts';
import type { ProcessorName } from '../../src/core/image/processors/processorConfig.ts';
import { compositeOnWhite } from './compositeOnWhite.ts';
import { float32s, fromBase64, imageFor, imageLabel, type HfProcessorsFixture, type ProcessorCase } from './hfProcessorsFixture.ts';

/**
 * `processors`: those the fixture must cover. The committed fixture predates the app's Idefics2
 * processor; the live one covers it too.
 */
export function processorParitySuite(
  fixture: HfProcessorsFixture,
  where = '',
  processors: readonly ProcessorName[] = ['clip', 'siglip', 'idefics3', 'qwen2-vl'],
): void {
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

  // A transformers that composites transparency onto white (5.25) differs from the app, which
  // drops alpha as 5.18 did: the app is given the composited image, so everything else is still
  // checked exactly, and the difference is named in the test's title.
  const composites = fixture.alpha === 'white';
  // (A fixed-size case, and every Idefics2 case, is converted to RGB before the processor, in the
  // script as in the app.)
  const transparent = (c: ProcessorCase) =>
    'synthetic' in c.image && c.image.synthetic.alpha && !c.fixedSize && fixture.configs[c.model]!.processor !== 'idefics2';
  const inputOf = (c: ProcessorCase) => (composites && transparent(c) ? compositeOnWhite(imageFor(c.image)) : imageFor(c.image));

  function run(c: ProcessorCase, raw: boolean): EncoderInputs {
    const { processor, config } = fixture.configs[c.model]!;
    const json = raw ? { ...config, do_rescale: false, do_normalize: false } : config;
    return encoderInputsFromJson(processor, json, inputOf(c), c.fixedSize ? { fixedSize: c.fixedSize } : {});
  }

  function floatTensor(inputs: EncoderInputs, name: string): Float32Array {
    const t = inputs.tensors.find((x) => x.name === name);
    if (t?.type !== 'float32') throw new Error(`no float32 tensor ${name}`);
    return t.data;
  }

  const cases = fixture.cases.filter((c) => c.tensors !== undefined);

  describe(`encoder inputs vs transformers ${fixture.transformers} (Pillow ${fixture.pillow})${where}`, () => {
    it('covers every processor on photos and odd sizes', () => {
      for (const processor of processors) {
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

    it.each(
      cases.map(
        (c) =>
          [
            `${c.model}${c.fixedSize ? ` fixed ${c.fixedSize.width}x${c.fixedSize.height}` : ''} on ${imageLabel(c.image)}${composites && transparent(c) ? ` (composited on white first, as transformers ${fixture.transformers} does; the app drops alpha)` : ''}`,
            c,
          ] as const,
      ),
    )('%s', (_, c) => {
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
    });

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
}
