import { describe, expect, it } from 'vitest';
import { findPreset, HUB_PRESETS, presetDownloadEstimate, presetEncoderPath, presetProblems, type HubPreset } from '../../../src/core/hub/presets.ts';
import { PROCESSOR_NAMES } from '../../../src/core/image/processors/processorConfig.ts';

const preset = (id: string): HubPreset => findPreset(id) ?? expect.fail(`no preset ${id}`);

describe('hub presets', () => {
  it.each(HUB_PRESETS.map((p) => [p.id, p] as const))('%s is consistent with the connector geometry and its processor', (_, p) => {
    expect(presetProblems(p)).toEqual([]);
    expect(PROCESSOR_NAMES).toContain(p.processor);
  });

  it('lists the four models with their connector families, ids unique', () => {
    expect(HUB_PRESETS.map((p) => [p.repo, p.connector.family])).toEqual([
      ['HuggingFaceTB/SmolVLM-256M-Instruct', 'pixel-shuffle'],
      ['HuggingFaceTB/SmolVLM-500M-Instruct', 'pixel-shuffle'],
      ['llava-hf/llava-interleave-qwen-0.5b-hf', 'mlp'],
      ['onnx-community/Qwen2-VL-2B-Instruct', 'merger'],
    ]);
    expect(new Set(HUB_PRESETS.map((p) => p.id)).size).toBe(HUB_PRESETS.length);
  });

  it('SmolVLM sizes differ only in the language model width', () => {
    expect(preset('smolvlm-256m').output.dims).toEqual(['N*64', 576]);
    expect(preset('smolvlm-500m').output.dims).toEqual(['N*64', 960]);
    expect(preset('smolvlm-256m').geometry.tokens.dPre).toBe(768);
  });

  it('names the transformers.js encoder file per variant and estimates its size from the parameter count', () => {
    expect(presetEncoderPath('fp32')).toBe('onnx/vision_encoder.onnx');
    expect(presetEncoderPath('q4f16')).toBe('onnx/vision_encoder_q4f16.onnx');
    // SmolVLM-256M: 93M SigLIP weights + a 12288 x 576 projection, 4 bytes each in fp32, 2 in fp16.
    expect(presetDownloadEstimate(preset('smolvlm-256m'), 'fp32')).toBe((93e6 + 12288 * 576) * 4);
    expect(presetDownloadEstimate(preset('smolvlm-256m'), 'fp16')).toBe((93e6 + 12288 * 576) * 2);
    for (const p of HUB_PRESETS) expect(presetDownloadEstimate(p, 'q4')).toBeLessThan(presetDownloadEstimate(p, 'fp16'));
  });

  it('finds what a wrong entry gets wrong', () => {
    const smol = preset('smolvlm-256m');
    const qwen = preset('qwen2-vl-2b');
    const cases: [HubPreset, RegExp][] = [
      [{ ...smol, geometry: { ...smol.geometry, tokens: { ...smol.geometry.tokens, post: 256 } } }, /gives 64 post tokens, not 256/],
      [{ ...smol, connector: { family: 'pixel-shuffle', scale: 3 } }, /not divisible/],
      [{ ...smol, geometry: { ...smol.geometry, patchSize: 14 } }, /is not 512 \/ patch 14 = 36 a side/],
      [{ ...smol, extraInputs: [] }, /pixel_attention_mask/],
      [{ ...smol, processor: 'llava' as never }, /is not one of/],
      [{ ...smol, repo: 'SmolVLM' }, /repo SmolVLM/],
      [{ ...qwen, pixelValues: { ...qwen.pixelValues, dims: ['P', 588] } }, /not 3 x 2 x 14\^2/],
      [{ ...qwen, extraInputs: [] }, /grid_thw/],
      [{ ...qwen, encoderParameters: 0 }, /no parameter count/],
      [{ ...preset('llava-interleave-qwen-0.5b'), output: { name: 'image_features', type: 'float32', dims: ['B', 576, 1024] } }, /MLP output has 576 tokens/],
      [{ ...qwen, memoryWarning: ' ' }, /no memory warning/],
    ];
    for (const [broken, problem] of cases) expect(presetProblems(broken).join('; ')).toMatch(problem);
  });
});
