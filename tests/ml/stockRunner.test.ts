/**
 * Stock exports opened for analysis in Node under ORT WASM, as the inference worker opens them:
 * each fixture's own processor config makes every input it declares, the probe describes it as a
 * pack, and one image's tokens come back. References are independent of the code under test:
 * post from the untapped model fed by hand-named tensors, Qwen2-VL's raster pre order from an
 * index formula on the model's own window-ordered tensor.
 */
import * as ort from 'onnxruntime-web';
import { randomImage } from '../support/randomImage.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { encoderInputs, type RgbaImage } from '../../src/core/image/processors/encoderInputs.ts';
import { readGraphSummary } from '../../src/core/onnx/graphSummary.ts';
import { inspectModel } from '../../src/core/onnx/inspectModel.ts';
import { readWithRoom } from '../../src/core/onnx/readWithRoom.ts';
import { tapOutputs } from '../../src/core/onnx/tap.ts';
import { describeStock } from '../../src/core/stock/stockModel.ts';
import { openStock } from '../../src/ml/stockRunner.ts';
import { STOCK_KINDS, stockFixture, type StockFixture } from '../support/stockFixtures.ts';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

const json = (f: StockFixture, path: string) => JSON.parse(new TextDecoder().decode(f.files.get(path)!)) as unknown;

async function open(f: StockFixture, preprocessor: unknown = json(f, 'preprocessor_config.json')) {
  const model = f.files.get(f.encoderPath)!;
  const { buffer, length } = await readWithRoom(new Blob([model]));
  const summary = readGraphSummary(buffer.subarray(0, length));
  const description = describeStock(json(f, 'config.json'), preprocessor);
  return openStock(
    buffer,
    length,
    summary,
    { pre: f.pre, post: 'image_features' },
    description,
    { id: `stock:${f.kind}`, name: f.kind, encoderFile: 'vision_encoder.onnx', origin: 'test' },
    ['wasm'],
  );
}

/** The model's own outputs for hand-named feeds (transformers.js's names), optionally with extra outputs tapped by core/onnx/tap.ts. */
async function runModel(f: StockFixture, image: RgbaImage, outputs: readonly string[]): Promise<Record<string, ort.Tensor>> {
  const description = describeStock(json(f, 'config.json'), json(f, 'preprocessor_config.json'));
  const made = encoderInputs(description.processor, image);
  const rename: Record<string, string> = { image_grid_thw: 'grid_thw' };
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of made.tensors) feeds[rename[t.name] ?? t.name] = new ort.Tensor(t.type, t.data, t.dims);
  const model = f.files.get(f.encoderPath)!;
  const bytes = outputs.length > 1 ? tapOutputs(model, outputs).bytes : model;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = await session.run(feeds);
  await session.release();
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('openStock', () => {
  for (const kind of STOCK_KINDS) {
    it(`${kind}: the probe describes the model as the fixture was built, and one image's post tokens equal the untapped model's`, async () => {
      const f = stockFixture(kind);
      expect(inspectModel(f.files.get(f.encoderPath)!).boundary).toMatchObject({ found: true, tensor: f.pre, post: 'image_features' });
      const runner = await open(f);
      const { manifest } = runner;
      expect(manifest.tokens).toEqual(f.tokens);
      expect(manifest.image.grid).toEqual(f.grid);
      expect(manifest.image.size).toBe(f.imageSize);
      expect(manifest.connector).toEqual(f.connector);
      expect(runner.added).toEqual([f.pre]);

      const image = randomImage(97, 61, 5);
      const got = await runner.embedImage(image);
      await runner.dispose();
      const ref = await runModel(f, image, ['image_features']);
      expect(got.post.length).toBe(f.tokens.post * f.tokens.dPost);
      expect(maxDiff(got.post, ref.image_features!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
      expect(got.pre.length).toBe(f.tokens.pre * f.tokens.dPre);
      expect(got.display.length).toBe(f.imageSize * f.imageSize * 4);
    });
  }

  it('qwen2vl: pre tokens come back in row-major grid order, not the processor’s merge-window order', async () => {
    const f = stockFixture('qwen2vl');
    const image = randomImage(80, 120, 9);
    const runner = await open(f);
    const got = await runner.embedImage(image);
    await runner.dispose();
    const windowOrder = (await runModel(f, image, ['image_features', f.pre]))[f.pre]!.data as Float32Array;
    const [rows, cols] = f.grid;
    const d = f.tokens.dPre;
    let worst = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        // Window (r/2, c/2) of the 12-wide window grid, then (r%2, c%2) inside it.
        const row = ((Math.floor(r / 2) * (cols / 2) + Math.floor(c / 2)) * 2 + (r % 2)) * 2 + (c % 2);
        worst = Math.max(worst, maxDiff(got.pre.subarray((r * cols + c) * d, (r * cols + c + 1) * d), windowOrder.subarray(row * d, (row + 1) * d)));
      }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('an fp16 export takes float16 pixels and gives float16 tokens; widened they match fp32 within 1e-2', async () => {
    const image = randomImage(64, 64, 2);
    const full = await open(stockFixture('smolvlm'));
    const half = await open(stockFixture('smolvlm', { fp16: true }));
    const a = await full.embedImage(image);
    const b = await half.embedImage(image);
    await Promise.all([full.dispose(), half.dispose()]);
    const scale = Math.max(...Array.from(a.post, Math.abs));
    expect(maxDiff(a.post, b.post) / scale).toBeLessThanOrEqual(1e-2);
  });

  it('refuses a preprocessor config that does not belong to the model, naming the input and both shapes', async () => {
    const f = stockFixture('smolvlm');
    const wrong = { ...(json(f, 'preprocessor_config.json') as object), size: { longest_edge: 128 }, max_image_size: { longest_edge: 128 } };
    await expect(open(f, wrong)).rejects.toThrow(
      /input "pixel_values" has shape \[1, num_images, 3, 64, 64\], but the Idefics3 \(SmolVLM\) processor makes \[1, 1, 3, 128, 128\]/,
    );
  });
});
