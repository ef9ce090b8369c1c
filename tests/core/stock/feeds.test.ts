/** Binding processor tensors to a stock encoder's declared inputs. */
import { describe, expect, it } from 'vitest';
import type { EncoderTensor } from '../../../src/core/image/processors/encoderInputs.ts';
import { halfBitsToFloat32 } from '../../../src/core/onnx/float16.ts';
import { bindFeeds } from '../../../src/core/stock/feeds.ts';

const pixels: EncoderTensor = { name: 'pixel_values', type: 'float32', dims: [1, 1, 3, 4, 4], data: Float32Array.from({ length: 48 }, (_, i) => i / 7) };
const mask: EncoderTensor = { name: 'pixel_attention_mask', type: 'bool', dims: [1, 1, 4, 4], data: new Uint8Array(16).fill(1) };
const grid: EncoderTensor = { name: 'image_grid_thw', type: 'int64', dims: [1, 3], data: BigInt64Array.of(1n, 24n, 24n) };

describe('bindFeeds', () => {
  it('feeds every declared input by name, with the processor’s tensors as they are', () => {
    const feeds = bindFeeds(
      [
        { name: 'pixel_values', elemType: 1, dims: [1, 'num_images', 3, 4, 4] },
        { name: 'pixel_attention_mask', elemType: 9, dims: [1, 'num_images', 4, 4] },
      ],
      [pixels, mask],
      'the Idefics3 processor',
    );
    expect(Object.keys(feeds)).toEqual(['pixel_values', 'pixel_attention_mask']);
    expect(feeds.pixel_values).toBe(pixels);
    expect(feeds.pixel_attention_mask).toBe(mask);
  });

  it('knows Qwen2-VL’s grid by both names (transformers.js: grid_thw; Qwen2.5-VL: image_grid_thw)', () => {
    const feeds = bindFeeds([{ name: 'grid_thw', elemType: 7, dims: ['num_images', 3] }], [grid], 'the Qwen2-VL processor');
    expect(feeds.grid_thw).toBe(grid);
  });

  it('narrows float32 pixels to float16 for fp16 exports', () => {
    const feeds = bindFeeds([{ name: 'pixel_values', elemType: 10, dims: null }], [pixels], 'p');
    expect(feeds.pixel_values!.type).toBe('float16');
    const back = halfBitsToFloat32(feeds.pixel_values!.data as Uint16Array);
    back.forEach((v, i) => expect(Math.abs(v - pixels.data[i]!)).toBeLessThanOrEqual(Math.abs(pixels.data[i]!) * 2 ** -11 + 1e-7));
  });

  it('refuses inputs no processor makes, shapes that disagree and types it cannot convert', () => {
    expect(() => bindFeeds([{ name: 'input_ids', elemType: 7, dims: [1, 'seq'] }], [pixels], 'the SigLIP processor')).toThrow(
      /The model takes an input "input_ids" \[1, seq\] that the SigLIP processor does not make \(it makes pixel_values \[1, 1, 3, 4, 4\]\)/,
    );
    expect(() => bindFeeds([{ name: 'pixel_values', elemType: 1, dims: [1, 1, 3, 8, 8] }], [pixels], 'p')).toThrow(
      /has shape \[1, 1, 3, 8, 8\], but p makes \[1, 1, 3, 4, 4\]/,
    );
    expect(() => bindFeeds([{ name: 'pixel_values', elemType: 1, dims: [1, 3, 4, 4] }], [pixels], 'p')).toThrow(/does not belong to this model/);
    expect(() => bindFeeds([{ name: 'pixel_attention_mask', elemType: 1, dims: null }], [mask], 'p')).toThrow(/is float32, but the image processor makes bool/);
    expect(() => bindFeeds([{ name: 'pixel_values', elemType: 11, dims: null }], [pixels], 'p')).toThrow(/ONNX type 11/);
  });
});
