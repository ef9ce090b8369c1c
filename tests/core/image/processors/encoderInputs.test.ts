/**
 * Parity with transformers' PIL-backend image processors on the committed fixture
 * (tests/core/fixtures/hf-processors.json, made by scripts/hfProcessorFixtures.py; the suite is
 * tests/support/processorParity.ts, also run live by tests/tools/hfProcessorsLive.test.ts), and
 * encoderInputs' contract.
 */
import { describe, expect, it } from 'vitest';
import { encoderInputs, encoderInputsFromJson } from '../../../../src/core/image/processors/encoderInputs.ts';
import { imageFor, loadHfProcessors } from '../../../support/hfProcessorsFixture.ts';
import { processorParitySuite } from '../../../support/processorParity.ts';
import { parseProcessorConfig } from '../../../../src/core/image/processors/processorConfig.ts';

const fixture = loadHfProcessors();

processorParitySuite(fixture);

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
