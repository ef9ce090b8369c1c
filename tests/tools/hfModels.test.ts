/**
 * The exporter on transformers' own classes (issue 16): for each family tools/export_pack.py
 * claims, tools/hf_tiny.py builds a tiny checkpoint of the real class with seeded random weights
 * and saves it as a local folder; export_pack.py opens it with --model, as it opens a downloaded
 * one (AutoConfig, the family's loader, the saved image processor); and the pack's pre and post
 * tokens, run in the app's runtime, equal the connector's input and output captured by hooks while
 * transformers encodes the same images (multi_modal_projector, model.connector, visual.merger),
 * within 1e-4. Runs in the transformers venv (.venv-hf); fails with instructions without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHfPython, whyNoHfPython } from '../support/hfPython.ts';
import { compareWithTorch, readPack } from '../support/packCompare.ts';

const TOLERANCE = 1e-4;
const TOOLS = resolve(import.meta.dirname, '../../tools');
const root = mkdtempSync(join(tmpdir(), 'hf-models-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Each family: its transformers class, the image size the pack is exported at, and the connector the manifest must name. */
const FAMILIES = [
  { family: 'llava', className: 'LlavaForConditionalGeneration', size: 64, connector: { family: 'mlp' }, tokens: { pre: 64, post: 64, dPre: 32, dPost: 48 } },
  {
    family: 'llava_onevision',
    className: 'LlavaOnevisionForConditionalGeneration',
    size: 64,
    connector: { family: 'mlp' },
    tokens: { pre: 64, post: 64, dPre: 32, dPost: 48 },
  },
  {
    family: 'idefics2',
    className: 'Idefics2ForConditionalGeneration',
    size: 64,
    connector: { family: 'perceiver', queries: 8 },
    tokens: { pre: 64, post: 8, dPre: 32, dPost: 48 },
  },
  {
    family: 'idefics3',
    className: 'Idefics3ForConditionalGeneration',
    size: 64,
    connector: { family: 'pixel-shuffle', scale: 2 },
    tokens: { pre: 64, post: 16, dPre: 32, dPost: 48 },
  },
  {
    family: 'qwen2_vl',
    className: 'Qwen2VLForConditionalGeneration',
    size: 56,
    connector: { family: 'merger', mergeSize: 2 },
    tokens: { pre: 16, post: 4, dPre: 32, dPost: 48 },
  },
  {
    family: 'qwen2_5_vl',
    className: 'Qwen2_5_VLForConditionalGeneration',
    size: 64,
    connector: { family: 'merger', mergeSize: 2 },
    tokens: { pre: 64, post: 16, dPre: 32, dPost: 48 },
  },
] as const;

describe('tools/export_pack.py on tiny random-weight models of the real transformers classes', () => {
  it.each(FAMILIES)(
    '$className: export_pack.py --model opens the saved checkpoint; the pack equals the hooked transformers tensors within 1e-4',
    async ({ family, className, size, connector, tokens }) => {
      const why = whyNoHfPython();
      if (why) throw new Error(why);
      const checkpoint = join(root, `${family}-checkpoint`);
      const pack = join(root, `${family}-pack`);
      await runHfPython([join(TOOLS, 'hf_tiny.py'), 'build', '--family', family, '--out', checkpoint]);
      // LLaVA's and LLaVA-OneVision's input sizes are fixed by their vision configs; the others take --image-size.
      const fixedSize = family === 'llava' || family === 'llava_onevision';
      const exported = await runHfPython([join(TOOLS, 'export_pack.py'), '--model', checkpoint, '--out', pack, ...(fixedSize ? [] : ['--image-size', String(size)])]);
      await runHfPython([join(TOOLS, 'hf_tiny.py'), 'reference', '--family', family, '--model', checkpoint, '--out', pack, '--size', String(size)]);
      const manifest = readPack(pack).manifest;
      expect(manifest.connector).toEqual(connector);
      expect(manifest.tokens).toEqual(tokens);
      expect(manifest.image.size).toBe(size);
      const { pre, post } = await compareWithTorch(pack);
      console.log(`${className}: max |pack - hooked transformers| pre ${pre.toExponential(2)}, post ${post.toExponential(2)}; ${exported.trim().split('\n').at(-1)}`);
      expect(pre).toBeLessThan(TOLERANCE);
      expect(post).toBeLessThan(TOLERANCE);
    },
    300_000,
  );
});
