/**
 * Encoder + connector inference, batch 1, one thread: the app's path (ml/packRunner.ts on ONNX
 * Runtime Web's WASM build) against native ONNX Runtime on the same two ONNX files and the same
 * pixels. The app is timed where it runs, in headless Chromium (inferenceChromium.ts), and in
 * Node, where the same WASM binary runs under Node 20's older V8. The native reference is ONNX
 * Runtime's Python package from the bench venv (tools/requirements-bench.txt): the same C++
 * library onnxruntime-node wraps, without adding a 100 MB native npm package to every install.
 * Outputs are compared too (max |difference|).
 *
 * Native ONNX Runtime is timed twice: as it runs by default (ORT_ENABLE_ALL, the reference), and
 * without the NCHWc layout transform that level adds on x86-64 (ORT_ENABLE_EXTENDED): NCHWc runs
 * convolutions on AVX2 / AVX-512 kernels for blocked channel layouts, which the WebAssembly build
 * has no counterpart of. The second figure says how much of the gap that transform is.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromiumEmbedding } from './inferenceChromium.ts';
import { benchPixels, checkedManifest, INFERENCE_PACK, RUNS, timeEmbedding, WARM_UP, type InferenceTiming } from './inferenceApp.ts';
import { benchPython, runPython } from './pythonEnv.ts';
import type { BenchRow } from './report.ts';

const TARGET = 0.7;

const REFERENCE_SCRIPT = `
import sys, json, time, numpy as np, onnxruntime as ort
encoder_path, connector_path, pixels_path, size, enc_in, enc_out, con_in, con_out, warm, runs = sys.argv[1:11]
size, warm, runs = int(size), int(warm), int(runs)
pixels = np.fromfile(pixels_path, dtype=np.float32).reshape(1, 3, size, size)
def timed(level):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = level
    encoder = ort.InferenceSession(encoder_path, options, providers=['CPUExecutionProvider'])
    connector = ort.InferenceSession(connector_path, options, providers=['CPUExecutionProvider'])
    def once():
        pre = encoder.run([enc_out], {enc_in: pixels})[0]
        return connector.run([con_out], {con_in: pre})[0]
    for _ in range(warm): post = once()
    start = time.perf_counter()
    for _ in range(runs): post = once()
    return (time.perf_counter() - start) * 1000 / runs, post
ms, post = timed(ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
ms_extended, _ = timed(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
post.astype(np.float32).tofile(pixels_path + '.post')
print(json.dumps({'ms': ms, 'msExtended': ms_extended, 'version': ort.__version__}))
`;

interface Reference {
  readonly ms: number;
  readonly msExtended: number;
  readonly version: string;
  readonly post: Float32Array;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export async function inferenceBench(): Promise<BenchRow[]> {
  const folder = resolve(import.meta.dirname, '../../models', INFERENCE_PACK);
  const manifest = checkedManifest(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')));
  const encoderPath = join(folder, manifest.files.encoder);
  const connectorPath = join(folder, manifest.files.connector);
  const inNode = await timeEmbedding(manifest, new Uint8Array(readFileSync(encoderPath)), new Uint8Array(readFileSync(connectorPath)));
  const inPage = await chromiumEmbedding(folder, manifest);

  let reference: Reference | { readonly why: string };
  const python = await benchPython(['numpy', 'onnxruntime']);
  if (!python.ok) reference = { why: python.why };
  else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-inference-'));
    try {
      const pixelsPath = join(dir, 'pixels.f32');
      writeFileSync(pixelsPath, benchPixels(manifest.image.size));
      const { io } = manifest;
      const args = [
        encoderPath,
        connectorPath,
        pixelsPath,
        String(manifest.image.size),
        io.encoderInput,
        io.encoderOutput,
        io.connectorInput,
        io.connectorOutput,
      ];
      const out = JSON.parse(runPython(python.python, ['-c', REFERENCE_SCRIPT, ...args, String(WARM_UP), String(RUNS)])) as Omit<Reference, 'post'>;
      const bytes = readFileSync(`${pixelsPath}.post`);
      reference = { ...out, post: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const row = (where: string, timing: InferenceTiming | { readonly why: string }): BenchRow => {
    const what = `encoder + connector, batch 1, 1 thread (${INFERENCE_PACK}), ${where}: ORT-web WASM vs native ONNX Runtime`;
    const base = { better: 'higher', target: `>= ${TARGET}` } as const;
    if ('why' in timing)
      return {
        ...base,
        what,
        app: 'not run',
        reference: 'ms' in reference ? `${reference.ms.toFixed(1)} ms/image` : 'not run',
        ratio: null,
        met: null,
        note: timing.why,
      };
    const app = `${timing.ms.toFixed(1)} ms/image`;
    if ('why' in reference) return { ...base, what, app, reference: 'not run', ratio: null, met: null, note: reference.why };
    // Throughput ratio: the app's images/s over the reference's.
    const ratio = reference.ms / timing.ms;
    return {
      ...base,
      what,
      app,
      reference: `${reference.ms.toFixed(1)} ms/image (onnxruntime ${reference.version}, CPU provider, default optimisation)`,
      ratio,
      met: ratio >= TARGET,
      note:
        `same ONNX files and pixels; post tokens agree to ${maxDifference(timing.post, reference.post).toExponential(1)} (max abs); ${RUNS} runs after ${WARM_UP} warm-up. ` +
        `Native without its NCHWc layout (AVX-512 blocked convolutions, which the WASM build has no counterpart of): ${reference.msExtended.toFixed(1)} ms/image, ` +
        `${(reference.msExtended / timing.ms).toFixed(2)}x of that`,
    };
  };
  return [row('headless Chromium (the app)', inPage), row('Node (same WASM binary)', inNode)];
}
