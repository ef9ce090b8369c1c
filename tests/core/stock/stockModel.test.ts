/** A stock export described as a pack: processor choice, token layout from one run, Qwen2-VL's patch order. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encoderInputs } from '../../../src/core/image/processors/encoderInputs.ts';
import { patchify } from '../../../src/core/image/processors/patchify.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { describeStock, rasterFromMergeWindows, stockManifest, tokenLayout, type StockDescription } from '../../../src/core/stock/stockModel.ts';
import { validateManifest } from '../../../src/core/pack/validateManifest.ts';

const SIGLIP = {
  image_processor_type: 'SiglipImageProcessor',
  size: { height: 384, width: 384 },
  resample: 3,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
};
const IDEFICS3 = {
  image_processor_type: 'Idefics3ImageProcessor',
  size: { longest_edge: 2048 },
  max_image_size: { longest_edge: 512 },
  do_image_splitting: true,
  resample: 1,
};
const QWEN = { image_processor_type: 'Qwen2VLImageProcessor', min_pixels: 3136, max_pixels: 12845056, patch_size: 14, temporal_patch_size: 2, merge_size: 2 };

describe('describeStock', () => {
  it('takes the processor the preprocessor config names and the connector family the model type implies', () => {
    const smol = describeStock({ model_type: 'idefics3' }, IDEFICS3);
    expect([smol.processor.processor, smol.familyHint, smol.modelType]).toEqual(['idefics3', 'pixel-shuffle', 'idefics3']);
    const llava = describeStock({ model_type: 'llava', vision_config: { model_type: 'siglip_vision_model' } }, SIGLIP);
    expect([llava.processor.processor, llava.familyHint]).toEqual(['siglip', 'mlp']);
    expect(describeStock(null, SIGLIP).familyHint).toBeNull();
  });

  it('analyses Qwen2-VL at the paper’s fixed 336 x 336', () => {
    const qwen = describeStock({ model_type: 'qwen2_vl' }, QWEN);
    expect(qwen.processor.processor === 'qwen2-vl' && qwen.processor.fixedSize).toEqual({ height: 336, width: 336 });
    expect(qwen.familyHint).toBe('merger');
  });

  it('analyses Idefics2 at one square of its shortest edge, says so, and expects the perceiver', () => {
    const idefics2 = describeStock(
      { model_type: 'idefics2' },
      { image_processor_type: 'Idefics2ImageProcessor', size: { shortest_edge: 378, longest_edge: 980 }, resample: 2, do_image_splitting: true },
    );
    expect([idefics2.processor.processor, idefics2.familyHint, idefics2.attentionWindows]).toEqual(['idefics2', 'perceiver', null]);
    const image = { width: 500, height: 300, rgba: new Uint8Array(500 * 300 * 4) };
    const made = encoderInputs(idefics2.processor, image);
    expect([made.seen.width, made.seen.height]).toEqual([378, 378]);
    expect(made.tensors.map((t) => [t.name, t.dims])).toEqual([
      ['pixel_values', [1, 1, 3, 378, 378]],
      ['pixel_attention_mask', [1, 1, 378, 378]],
    ]);
    expect(made.notes.join(' ')).toMatch(/fixed 378 x 378.*Idefics2.*splitting is off/);
    // Without an image_processor_type the model type picks it too.
    expect(describeStock({ model_type: 'idefics2' }, { size: { shortest_edge: 224, longest_edge: 448 } }).processor.processor).toBe('idefics2');
  });

  it('analyses LLaVA-OneVision on its base view, with its own processor defaults, and says the tiles are left out', () => {
    const onevision = describeStock(
      { model_type: 'llava_onevision', vision_config: { model_type: 'siglip_vision_model' } },
      { image_processor_type: 'LlavaOnevisionImageProcessor', size: { height: 384, width: 384 }, image_grid_pinpoints: [[384, 768]] },
    );
    expect([onevision.processor.processor, onevision.familyHint]).toEqual(['llava-onevision', 'mlp']);
    // A config that leaves mean and std out means OpenAI CLIP's, LLaVA-OneVision's class defaults (not SigLIP's 0.5).
    expect(onevision.processor.mean).toEqual([0.48145466, 0.4578275, 0.40821073]);
    const made = encoderInputs(onevision.processor, { width: 50, height: 30, rgba: new Uint8Array(50 * 30 * 4) });
    expect(made.tensors.map((t) => [t.name, t.dims])).toEqual([['pixel_values', [1, 3, 384, 384]]]);
    expect(made.notes.join(' ')).toMatch(/Anyres tiling is off.*base view/);
  });

  it('falls back on the model type when the preprocessor config does not name its processor', () => {
    const { image_processor_type: _, ...unnamed } = SIGLIP;
    expect(describeStock({ model_type: 'llava', vision_config: { model_type: 'siglip_vision_model' } }, unnamed).processor.processor).toBe('siglip');
    expect(
      describeStock(
        { model_type: 'llava', vision_config: { model_type: 'clip_vision_model' } },
        { size: { shortest_edge: 336 }, crop_size: { height: 336, width: 336 } },
      ).processor.processor,
    ).toBe('clip');
  });

  it('refuses missing or broken config files with a message naming the file', () => {
    expect(() => describeStock({}, null)).toThrow(/preprocessor_config\.json is missing/);
    expect(() => describeStock([], SIGLIP)).toThrow(/config\.json is not a JSON object/);
    expect(() => describeStock({ model_type: 'llava' }, { ...SIGLIP, size: { height: '384', width: 384 } })).toThrow(UserFacingError);
    expect(() => describeStock({ model_type: 'mystery' }, { size: 3 })).toThrow(/preprocessor_config\.json cannot be used/);
  });
});

const siglip: StockDescription = describeStock({ model_type: 'llava', vision_config: { model_type: 'siglip_vision_model' } }, SIGLIP);
const smol: StockDescription = describeStock({ model_type: 'idefics3' }, IDEFICS3);
const qwen: StockDescription = describeStock({ model_type: 'qwen2_vl' }, QWEN);
const run = (pre: number[], post: number[], side: number) => ({
  pre: { name: 'a', dims: pre },
  post: { name: 'b', dims: post },
  seen: { width: side, height: side },
});

describe('tokenLayout', () => {
  it('reads the presets’ real shapes: LLaVA-interleave MLP, SmolVLM pixel shuffle, Qwen2-VL merger', () => {
    const llava = tokenLayout(run([1, 729, 1152], [1, 729, 896], 384), siglip);
    expect(llava).toEqual({
      tokens: { pre: 729, dPre: 1152, post: 729, dPost: 896 },
      grid: [27, 27],
      imageSize: 384,
      patchSize: 14,
      connector: { family: 'mlp' },
      mergeWindows: null,
    });
    const s = tokenLayout(run([1, 1024, 768], [64, 576], 512), smol);
    expect([s.grid, s.patchSize, s.connector, s.tokens.post]).toEqual([[32, 32], 16, { family: 'pixel-shuffle', scale: 4 }, 64]);
    const q = tokenLayout(run([576, 1280], [144, 1536], 336), qwen);
    expect([q.grid, q.connector, q.mergeWindows]).toEqual([[24, 24], { family: 'merger', mergeSize: 2 }, 2]);
  });

  it('without a known model type infers the geometry from the token counts', () => {
    const none = { ...siglip, familyHint: null };
    expect(tokenLayout(run([1, 64, 8], [1, 64, 4], 64), none).connector).toEqual({ family: 'mlp' });
    expect(tokenLayout(run([1, 64, 8], [1, 16, 4], 64), none).connector).toEqual({ family: 'pixel-shuffle', scale: 2 });
    expect(tokenLayout(run([1, 64, 8], [1, 10, 4], 64), none).connector).toEqual({ family: 'perceiver', queries: 10 });
  });

  it('refuses tensors that are no patch grid, naming the tensor and saying what to pick', () => {
    expect(() => tokenLayout(run([1, 577, 1024], [1, 576, 4096], 336), siglip)).toThrow(
      /577 tokens, which is not a square grid of patches \(576 patches and one more: probably a CLS token\)/,
    );
    expect(() => tokenLayout(run([768], [1, 4, 4], 64), siglip)).toThrow(/"a" has shape \[768\]; it needs tokens and a width/);
    expect(() => tokenLayout(run([1, 64, 8], [1, 16, 4], 64), { ...siglip, familyHint: 'perceiver' })).not.toThrow();
  });

  it('makes a manifest the pack validator accepts', () => {
    const layout = tokenLayout(run([1, 1024, 768], [64, 576], 512), smol);
    const manifest = stockManifest(
      layout,
      smol,
      { id: 'stock:x', name: 'SmolVLM', encoderFile: 'vision_encoder.onnx', origin: 'https://huggingface.co/x', inputName: 'pixel_values' },
      { pre: 'p', post: 'image_features' },
    );
    const checked = validateManifest(manifest);
    expect(checked.ok ? [] : checked.errors).toEqual([]);
    expect(manifest.weights).toMatchObject({ source: 'pretrained', synthetic: false });
  });
});

describe('rasterFromMergeWindows', () => {
  it('undoes patchify’s merge-window order (checked through patchify itself)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (merge, windowRows, windowCols) => {
        const patch = 2;
        const rows = windowRows * merge;
        const cols = windowCols * merge;
        const h = rows * patch;
        const w = cols * patch;
        // One channel whose every pixel holds its patch's row-major index.
        const chw = Float32Array.from({ length: h * w }, (_, i) => Math.floor(Math.floor(i / w) / patch) * cols + Math.floor((i % w) / patch));
        const p = patchify(chw, 1, h, w, patch, merge, 1);
        const firstOfRow = Float32Array.from({ length: rows * cols }, (_, r) => p.patches[r * p.rowLength]!);
        expect(Array.from(rasterFromMergeWindows(firstOfRow, [rows, cols], merge, 1))).toEqual(Array.from({ length: rows * cols }, (_, i) => i));
      }),
      { numRuns: 200 },
    );
  });

  it('moves whole token rows', () => {
    const data = Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => i);
    const out = rasterFromMergeWindows(data, [4, 4], 2, 3);
    // Raster token 2 (row 0, col 2) is window (0, 1)'s first patch: window-order row 4.
    expect(Array.from(out.subarray(2 * 3, 3 * 3))).toEqual([12, 13, 14]);
    expect(() => rasterFromMergeWindows(data, [4, 4], 3, 3)).toThrow(RangeError);
  });
});
