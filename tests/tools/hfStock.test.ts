/**
 * Stock exports of transformers' own LLaVA, LLaVA-OneVision, Qwen2-VL, Qwen2.5-VL, Idefics2 and Idefics3 (SmolVLM) classes (issue 16 item
 * 4), made the way the Hub's transformers.js repos hold them (tools/hf_tiny.py stock:
 * onnx/vision_encoder.onnx taking the processor's inputs to image_features with the connector
 * inside, beside the model's real config.json and preprocessor_config.json), with torch.onnx's
 * TorchScript exporter and with its dynamo exporter where each can export the model.
 * The app's automatic tap must find the connector boundary in each, and the app's stock runner
 * (openStock: the app's processor, the tap, ORT WASM) must give pre and post tokens equal to the
 * connector's input and output hooked in transformers on the very pixels the app made, within 1e-4.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { randomImage } from '../support/randomImage.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderInputs } from '../../src/core/image/processors/encoderInputs.ts';
import { readGraphSummary } from '../../src/core/onnx/graphSummary.ts';
import { inspectModel } from '../../src/core/onnx/inspectModel.ts';
import { readWithRoom } from '../../src/core/onnx/readWithRoom.ts';
import { describeStock } from '../../src/core/stock/stockModel.ts';
import { openStock } from '../../src/ml/stockRunner.ts';
import { runHfPython, whyNoHfPython } from '../support/hfPython.ts';
import { maxAbs, maxAbsDiff, readReference } from '../support/packCompare.ts';

const TOLERANCE = 1e-4;
const HF_TINY = resolve(import.meta.dirname, '../../tools/hf_tiny.py');
const root = mkdtempSync(join(tmpdir(), 'hf-stock-'));
const checkpoint = (family: string) => join(root, `${family}-checkpoint`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** tools/hf_tiny.py with `args`, in the transformers venv. */
async function hfTiny(args: readonly string[]): Promise<string> {
  return runHfPython([HF_TINY, ...args]);
}

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  const why = whyNoHfPython();
  if (why) throw new Error(why);
  await Promise.all(['llava', 'llava_onevision', 'qwen2_vl', 'qwen2_5_vl', 'idefics2', 'idefics3'].map((family) => hfTiny(['build', '--family', family, '--out', checkpoint(family)])));
}, 240_000);

/**
 * Qwen2-VL's processor lists patches by 2 x 2 merge window; the app's pre tokens are row-major on
 * the grid: the hooked merger input put in the app's order (the same index formula as
 * tests/ml/stockRunner.test.ts).
 */
function windowToGrid(windowOrder: Float32Array, rows: number, cols: number, d: number): Float32Array {
  const out = new Float32Array(windowOrder.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const row = ((Math.floor(r / 2) * (cols / 2) + Math.floor(c / 2)) * 2 + (r % 2)) * 2 + (c % 2);
      out.set(windowOrder.subarray(row * d, (row + 1) * d), (r * cols + c) * d);
    }
  return out;
}

/** config.json's vision_config.patch_size. */
function patchSizeOf(config: unknown): number {
  const patch = (config as { vision_config?: { patch_size?: unknown } }).vision_config?.patch_size;
  if (typeof patch !== 'number') throw new Error('config.json has no vision_config.patch_size');
  return patch;
}

const CASES = [
  { family: 'llava', exporter: 'torchscript', scope: /multi_modal_projector/, connector: { family: 'mlp' } },
  { family: 'llava', exporter: 'dynamo', scope: /multi_modal_projector/, connector: { family: 'mlp' } },
  { family: 'llava_onevision', exporter: 'torchscript', scope: /multi_modal_projector/, connector: { family: 'mlp' } },
  { family: 'llava_onevision', exporter: 'dynamo', scope: /multi_modal_projector/, connector: { family: 'mlp' } },
  { family: 'qwen2_vl', exporter: 'torchscript', scope: /visual[./]merger/, connector: { family: 'merger', mergeSize: 2 } },
  { family: 'qwen2_5_vl', exporter: 'torchscript', scope: /visual[./]merger/, connector: { family: 'merger', mergeSize: 2 } },
  // (Qwen2-VL and Qwen2.5-VL through the dynamo exporter are not here: torch.export refuses the towers'
  // data-dependent shapes. Idefics2 and Idefics3 through the TorchScript exporter are not here: the graph it writes is invalid, see docs/tapping.md.)
  { family: 'idefics2', exporter: 'dynamo', scope: /connector/, connector: { family: 'perceiver', queries: 8 } },
  { family: 'idefics3', exporter: 'dynamo', scope: /connector/, connector: { family: 'pixel-shuffle', scale: 2 } },
] as const;

describe('transformers.js-style stock exports of the real transformers classes', () => {
  it.each(CASES)(
    '$family, $exporter exporter: the automatic tap finds the connector, and the tapped tokens equal the hooked transformers tensors within 1e-4',
    async ({ family, exporter, scope, connector }) => {
      const folder = join(root, `stock-${family}-${exporter}`);
      await hfTiny(['stock', '--family', family, '--model', checkpoint(family), '--out', folder, '--exporter', exporter]);
      const model = new Uint8Array(readFileSync(join(folder, 'onnx', 'vision_encoder.onnx')));
      const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as unknown;
      const preprocessor = JSON.parse(readFileSync(join(folder, 'preprocessor_config.json'), 'utf8')) as unknown;
      const boundary = inspectModel(model).boundary;
      expect(boundary.found, boundary.why).toBe(true);
      if (!boundary.found) return;
      expect(boundary.scope).toMatch(scope);
      console.log(`${family}, ${exporter}: boundary ${boundary.tensor} -> ${boundary.post} in ${boundary.scope} (${boundary.confidence}): ${boundary.why}`);

      // The app's processor makes the pixels; transformers is hooked on exactly those.
      const image = randomImage(97, 61, 4);
      const description = describeStock(config, preprocessor);
      const pixels = encoderInputs(description.processor, image).tensors.find((t) => t.name === 'pixel_values')!;
      const pixelsFile = join(folder, 'pixels.f32');
      writeFileSync(pixelsFile, new Uint8Array((pixels.data as Float32Array).buffer));
      const size = pixels.dims.at(-1)!;
      // The square side the encoder saw (the Qwen processors: patch rows of the fixed analysis size).
      const qwen = family === 'qwen2_vl' || family === 'qwen2_5_vl';
      const side = qwen ? patchSizeOf(config) * Math.sqrt(pixels.dims[0]!) : size;
      await hfTiny(['reference-on', '--family', family, '--model', checkpoint(family), '--pixels', pixelsFile, '--out', folder, '--size', String(side)]);
      const ref = readReference(folder);

      // Qwen2.5-VL's merger works on window-ordered blocks; the graph's output is back in the
      // processor's order. Both choices of post tensor must give the same, correct tokens.
      const posts = [boundary.post ?? 'image_features', ...(family === 'qwen2_5_vl' ? ['image_features'] : [])];
      for (const postName of posts) {
        const { buffer, length } = await readWithRoom(new Blob([model]));
        const runner = await openStock(
          buffer,
          length,
          readGraphSummary(buffer.subarray(0, length)),
          { pre: boundary.tensor, post: postName },
          description,
          { id: `stock:hf-${family}-${exporter}`, name: family, encoderFile: 'vision_encoder.onnx', origin: 'test' },
          ['wasm'],
        );
        try {
          expect(runner.manifest.connector).toEqual(connector);
          const got = await runner.embedImage(image);
          const [rows, cols] = runner.manifest.image.grid;
          const refPre = qwen ? windowToGrid(ref.pre, rows, cols, runner.manifest.tokens.dPre) : ref.pre;
          const pre = maxAbsDiff(got.pre, refPre);
          const post = maxAbsDiff(got.post, ref.post);
          console.log(
            `${family}, ${exporter}, post ${postName}: max |tapped - hooked| pre ${pre.toExponential(2)} (scale ${maxAbs(ref.pre).toFixed(2)}), post ${post.toExponential(2)} (scale ${maxAbs(ref.post).toFixed(2)})`,
          );
          expect(maxAbs(ref.post)).toBeGreaterThan(0.5);
          expect(pre).toBeLessThan(TOLERANCE);
          expect(post).toBeLessThan(TOLERANCE);
        } finally {
          await runner.dispose();
        }
      }
    },
    300_000,
  );
});
