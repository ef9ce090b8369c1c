/**
 * tools/export_pack.py, end to end: Debian's python3-torch exports the LLaVA-shaped fixture, the
 * app opens the pack the way it opens a user's files (manifest parser, external-data check,
 * openPack on WASM), and every reference image's pre and post tokens equal torch's within 1e-4.
 * Variants: float16 weights, weights in an external-data file. A second case exports transformers'
 * own LlavaForConditionalGeneration in the transformers venv (.venv-hf, tests/support/hfPython.ts);
 * every family's real class is in tests/tools/hfModels.test.ts.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnx, type IValueInfoProto } from '../../scripts/onnx/proto.ts';
import { HF_PYTHON, whyNoHfPython } from '../support/hfPython.ts';
import { compareWithTorch, maxAbsDiff, readPack, readReference } from '../support/packCompare.ts';

/** The acceptance bound: the app's runtime reproduces torch within this, absolutely. */
const TOLERANCE = 1e-4;
const PYTHON = process.env.PACK_EXPORT_PYTHON ?? '/usr/bin/python3';
const EXPORTER = resolve(import.meta.dirname, '../../tools/export_pack.py');
const run = promisify(execFile);

const hasModule = (name: string) => spawnSync(PYTHON, ['-c', `import ${name}`], { stdio: 'ignore' }).status === 0;
const hasTorch = hasModule('torch');
const NO_TORCH = `${PYTHON} cannot import torch: the exporter test needs Debian's PyTorch. Install it with: apt-get install -y python3-torch`;

const root = mkdtempSync(join(tmpdir(), 'pack-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function exportPack(name: string, args: readonly string[], python = PYTHON): Promise<string> {
  const out = join(root, name);
  try {
    const { stdout } = await run(python, [EXPORTER, '--out', out, ...args], { timeout: 120_000 });
    console.log(stdout.trim());
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${python} tools/export_pack.py ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
  return out;
}

const graphOf = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!;
const dimsOf = (v: IValueInfoProto) => (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue));

// Never a silent pass: without torch this fails, and says how to install it.
it('finds PyTorch for the exporter', () => {
  if (!hasTorch) throw new Error(NO_TORCH);
});

/** Bytes of weight values stored inside the .onnx file itself. */
const inlineWeightBytes = (bytes: Uint8Array) => graphOf(bytes).initializer!.reduce((sum, t) => sum + (t.rawData?.length ?? 0), 0);

describe('tools/export_pack.py --fixture llava-tiny', () => {
  let plain = '';
  let compact = '';

  beforeAll(async () => {
    if (!hasTorch) throw new Error(NO_TORCH);
    // Two exports, not three: each Python start loads torch, about 10 s on a CI machine.
    [plain, compact] = await Promise.all([
      exportPack('plain', ['--fixture', 'llava-tiny']),
      exportPack('fp16-external', ['--fixture', 'llava-tiny', '--fp16', '--external-data-above', '0']),
    ]);
  }, 150_000);

  it('writes a pack the app accepts, with a symbolic batch and the fixture geometry', () => {
    const pack = readPack(plain);
    expect(pack.manifest.tokens).toEqual({ pre: 64, post: 64, dPre: 32, dPost: 48 });
    expect(pack.manifest.connector).toEqual({ family: 'mlp' });
    expect(pack.manifest.weights.synthetic).toBe(true);
    expect(pack.external).toEqual({ encoder: [], connector: [] });
    const enc = graphOf(pack.encoder);
    const con = graphOf(pack.connector);
    expect(enc.input!.map((v) => [v.name, dimsOf(v)])).toEqual([['pixel_values', ['batch', 3, 64, 64]]]);
    expect(enc.output!.map((v) => [v.name, dimsOf(v)])).toEqual([['pre_tokens', ['batch', 64, 32]]]);
    expect(con.input!.map((v) => [v.name, dimsOf(v)])).toEqual([['pre_tokens', ['batch', 64, 32]]]);
    expect(con.output!.map((v) => [v.name, dimsOf(v)])).toEqual([['post_tokens', ['batch', 64, 48]]]);
  });

  it("reproduces torch's pre and post tokens within 1e-4 in the app's runtime", async () => {
    const { pre, post } = await compareWithTorch(plain);
    expect(pre).toBeLessThan(TOLERANCE);
    expect(post).toBeLessThan(TOLERANCE);
  });

  it('runs all reference images as one batch, as torch did (the batch is symbolic, not traced as 2)', async () => {
    const pack = readPack(plain);
    const ref = readReference(plain);
    const { size } = pack.manifest.image;
    ort.env.wasm.numThreads = 1;
    const encoder = await ort.InferenceSession.create(pack.encoder, { executionProviders: ['wasm'] });
    const connector = await ort.InferenceSession.create(pack.connector, { executionProviders: ['wasm'] });
    const pre = (await encoder.run({ pixel_values: new ort.Tensor('float32', ref.pixels, [ref.count, 3, size, size]) })).pre_tokens!;
    const post = (await connector.run({ pre_tokens: pre })).post_tokens!;
    expect(post.dims).toEqual([ref.count, 64, 48]);
    expect(maxAbsDiff(pre.data as Float32Array, ref.pre)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(post.data as Float32Array, ref.post)).toBeLessThan(TOLERANCE);
    await encoder.release();
    await connector.release();
  });

  it('--fp16 --external-data-above 0: float16 weights in .onnx_data files the app finds; float32 in and out; torch on the same rounded weights reproduced', async () => {
    const pack = readPack(compact);
    expect(pack.external.encoder.map((f) => f.path)).toEqual(['encoder.onnx_data']);
    expect(pack.external.connector.map((f) => f.path)).toEqual(['connector.onnx_data']);
    for (const bytes of [pack.encoder, pack.connector]) {
      const types = graphOf(bytes).initializer!.map((t) => t.dataType);
      expect(types.filter((t) => t === onnx.TensorProto.DataType.FLOAT16).length).toBeGreaterThan(3);
      expect(types).not.toContain(onnx.TensorProto.DataType.FLOAT);
      // Tensors under 1 KiB stay inline, as onnx.save_model does.
      expect(inlineWeightBytes(bytes)).toBeLessThan(8 * 1024);
    }
    const plainWeights = inlineWeightBytes(readPack(plain).encoder);
    const sideBytes = pack.external.encoder[0]!.data.length;
    expect(sideBytes).toBeGreaterThan(0.4 * plainWeights);
    expect(sideBytes).toBeLessThan(0.52 * plainWeights);
    const { pre, post } = await compareWithTorch(compact);
    expect(pre).toBeLessThan(TOLERANCE);
    expect(post).toBeLessThan(TOLERANCE);
  });
});

describe('tools/export_pack.py --fixture llava-hf-tiny (transformers LlavaForConditionalGeneration)', () => {
  // Never skipped: without the transformers venv this fails and says how to make it (.ci/run does).
  it("exports the model's own vision tower and projector and reproduces them within 1e-4", async () => {
    const why = whyNoHfPython();
    if (why) throw new Error(why);
    const folder = await exportPack('hf', ['--fixture', 'llava-hf-tiny'], HF_PYTHON);
    const { pre, post } = await compareWithTorch(folder);
    expect(pre).toBeLessThan(TOLERANCE);
    expect(post).toBeLessThan(TOLERANCE);
  }, 150_000);
});
