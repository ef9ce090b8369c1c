/** Which chosen files make a stock export. */
import { describe, expect, it } from 'vitest';
import { looksLikeStockExport, parseConfigJson, pickStockFiles } from '../../../src/core/stock/stockFiles.ts';

const f = (name: string, size = 10) => ({ name, size });

describe('pickStockFiles', () => {
  it('finds the encoder, its config files and its side files', () => {
    const files = [f('config.json'), f('vision_encoder_fp16.onnx'), f('vision_encoder_fp16.onnx_data'), f('preprocessor_config.json')];
    const picked = pickStockFiles(files);
    expect([picked.encoder.name, picked.config?.name, picked.preprocessor.name, picked.siblings.map((s) => s.name)]).toEqual([
      'vision_encoder_fp16.onnx',
      'config.json',
      'preprocessor_config.json',
      ['vision_encoder_fp16.onnx_data'],
    ]);
    expect(pickStockFiles([f('model.onnx'), f('preprocessor_config.json')]).config).toBeNull();
    expect(pickStockFiles([f('embed_tokens.onnx'), f('vision_encoder.onnx'), f('preprocessor_config.json')]).encoder.name).toBe('vision_encoder.onnx');
  });

  it('takes one vision encoder from a whole repo folder, fp16 first, and reports the others', () => {
    const folder = [
      'vision_encoder_q4.onnx',
      'decoder_model_merged.onnx',
      'vision_encoder.onnx',
      'vision_encoder_fp16.onnx',
      'embed_tokens.onnx',
      'tokenizer.json',
      'preprocessor_config.json',
    ].map((n) => f(n));
    const picked = pickStockFiles(folder);
    expect([picked.encoder.name, picked.otherEncoders]).toEqual(['vision_encoder_fp16.onnx', ['vision_encoder.onnx', 'vision_encoder_q4.onnx']]);
    expect(pickStockFiles(folder.filter((x) => x.name !== 'vision_encoder_fp16.onnx')).encoder.name).toBe('vision_encoder.onnx');
    expect(pickStockFiles([f('model.onnx'), f('preprocessor_config.json')]).otherEncoders).toEqual([]);
  });

  it('says what to choose when the set is wrong', () => {
    expect(() => pickStockFiles([f('config.json')])).toThrow(/None of the 1 files you chose is an \.onnx model/);
    expect(() => pickStockFiles([f('a.onnx'), f('b.onnx'), f('preprocessor_config.json')])).toThrow(
      /None of the \.onnx files you chose \(a\.onnx, b\.onnx\) is a vision_encoder/,
    );
    expect(() => pickStockFiles([f('vision_encoder.onnx'), f('config.json')])).toThrow(/No preprocessor_config\.json among the files you chose/);
    expect(() => pickStockFiles([f('vision_encoder.onnx', 0), f('preprocessor_config.json')])).toThrow(/is empty/);
    expect(() => pickStockFiles([f('vision_encoder.onnx'), f('preprocessor_config.json', 50e6)])).toThrow(/a config file is a few kilobytes/);
  });

  it('tells packs from stock exports', () => {
    expect(looksLikeStockExport([f('manifest.json'), f('config.json')])).toBe(false);
    expect(looksLikeStockExport([f('vision_encoder.onnx'), f('preprocessor_config.json')])).toBe(true);
    expect(looksLikeStockExport([f('encoder.onnx'), f('connector.onnx')])).toBe(false);
  });

  it('parses config text, BOM and all, and names the file when it is not JSON', () => {
    expect(parseConfigJson('\uFEFF{"a":1}', 'config.json')).toEqual({ a: 1 });
    expect(() => parseConfigJson('{', 'config.json')).toThrow(/config\.json is not valid JSON/);
  });
});
