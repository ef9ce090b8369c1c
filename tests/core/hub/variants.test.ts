/** Choosing the vision encoder of a dtype variant and its external-data shards from a repo listing. */
import { describe, expect, it } from 'vitest';
import { availableVariants, DTYPE_VARIANTS, externalDataShards, parseVariant, pickVisionEncoder, VARIANT_NAMES } from '../../../src/core/hub/variants.ts';
import { refusal } from '../../support/outsideData.ts';

// What onnx-community/*-style exports list (abridged from SmolVLM and Qwen2-VL repos).
const listing = [
  'config.json',
  'preprocessor_config.json',
  'onnx/vision_encoder.onnx',
  'onnx/vision_encoder.onnx_data',
  'onnx/vision_encoder.onnx_data_1',
  'onnx/vision_encoder.onnx_data_10',
  'onnx/vision_encoder.onnx_data_2',
  'onnx/vision_encoder_fp16.onnx',
  'onnx/vision_encoder_fp16.onnx_data',
  'onnx/vision_encoder_q4.onnx',
  'onnx/vision_encoder_q4f16.onnx',
  'onnx/vision_encoder_quantized.onnx',
  'onnx/vision_encoder.onnx_data_x',
  'onnx/vision_encoder.onnx_data_01',
  'onnx/decoder_model_merged_q4.onnx',
  'onnx/embed_tokens.onnx',
];

describe('dtype variants', () => {
  it('names the transformers.js dtypes with their file suffixes', () => {
    expect(DTYPE_VARIANTS).toEqual({
      fp32: '',
      fp16: '_fp16',
      quantized: '_quantized',
      int8: '_int8',
      uint8: '_uint8',
      q4: '_q4',
      q4f16: '_q4f16',
      bnb4: '_bnb4',
    });
    expect(parseVariant(' q4f16 ')).toBe('q4f16');
    expect(refusal(() => parseVariant('float16'))).toBe('Variant "float16": expected one of fp32, fp16, quantized, int8, uint8, q4, q4f16, bnb4.');
    expect(refusal(() => parseVariant('toString'))).toMatch(/^Variant "toString"/);
  });

  it('lists the variants a repo has, in a fixed order', () => {
    expect(availableVariants(listing)).toEqual(['fp32', 'fp16', 'quantized', 'q4', 'q4f16']);
    expect(availableVariants(['vision_encoder_int8.onnx'])).toEqual(['int8']);
    expect(availableVariants(['onnx/model.onnx'])).toEqual([]);
    expect(VARIANT_NAMES).toHaveLength(8);
  });

  it("takes the graph and its numbered shards in numeric order, and no other variant's", () => {
    expect(pickVisionEncoder(listing, 'fp32', 'x/y')).toEqual({
      graph: 'onnx/vision_encoder.onnx',
      shards: ['onnx/vision_encoder.onnx_data', 'onnx/vision_encoder.onnx_data_1', 'onnx/vision_encoder.onnx_data_2', 'onnx/vision_encoder.onnx_data_10'],
    });
    expect(pickVisionEncoder(listing, 'fp16', 'x/y')).toEqual({ graph: 'onnx/vision_encoder_fp16.onnx', shards: ['onnx/vision_encoder_fp16.onnx_data'] });
    expect(pickVisionEncoder(listing, 'q4', 'x/y')).toEqual({ graph: 'onnx/vision_encoder_q4.onnx', shards: [] });
    expect(pickVisionEncoder(['vision_encoder.onnx', 'vision_encoder.onnx_data'], 'fp32', 'x/y')).toEqual({
      graph: 'vision_encoder.onnx',
      shards: ['vision_encoder.onnx_data'],
    });
    expect(externalDataShards(listing, 'onnx/embed_tokens.onnx')).toEqual([]);
  });

  it('refuses a missing variant naming those there are, and a repo with none', () => {
    expect(refusal(() => pickVisionEncoder(listing, 'bnb4', 'x/y'))).toBe(
      'x/y has no onnx/vision_encoder_bnb4.onnx (the bnb4 variant). It has fp32, fp16, quantized, q4, q4f16: pick one of those.',
    );
    expect(refusal(() => pickVisionEncoder(['onnx/model.onnx'], 'fp32', 'x/y'))).toMatch(
      /^x\/y has no onnx\/vision_encoder\.onnx \(nor any other vision_encoder\*\.onnx\)/,
    );
  });
});
