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
import { chromiumTilePeak } from './tilePeak.ts';
import { benchPixels, checkedManifest, INFERENCE_PACK, RUNS, timeEmbedding, WARM_UP, type InferenceTiming } from './inferenceApp.ts';
import { benchPython, runPython } from './pythonEnv.ts';
import type { BenchRow } from './report.ts';

const TARGET = 0.7;

const REFERENCE_SCRIPT = `
import os, sys, json, time, numpy as np, onnxruntime as ort
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
def multiply_adds():
    # Counted from one profiled run without fusion (shapes as ONNX Runtime saw them): a
    # convolution's output size times its kernel's (input channels / groups) x height x width, a
    # product's output size times its depth.
    total = 0
    for path, feed_name, feed in ((encoder_path, enc_in, pixels), (connector_path, con_in, None)):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(os.path.dirname(pixels_path), 'profile')
        session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
        if feed is None:
            feed = encoder_pre
        out = session.run(None, {feed_name: feed})[0]
        if feed is pixels:
            encoder_pre = out
        with open(session.end_profiling()) as f:
            events = json.load(f)
        for e in events:
            args = e.get('args', {})
            if e.get('cat') != 'Node' or not e['name'].endswith('_kernel_time'):
                continue
            shapes = [next(iter(t.values())) for t in args['input_type_shape']]
            out_size = int(np.prod(next(iter(args['output_type_shape'][0].values()))))
            if args['op_name'] in ('Conv', 'FusedConv'):
                total += out_size * int(np.prod(shapes[1][1:]))
            elif args['op_name'] in ('MatMul', 'Gemm'):
                total += out_size * shapes[0][-1]
    return total
ms, post = timed(ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
ms_extended, _ = timed(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
post.astype(np.float32).tofile(pixels_path + '.post')
print(json.dumps({'ms': ms, 'msExtended': ms_extended, 'multiplyAdds': multiply_adds(), 'version': ort.__version__}))
`;

interface Reference {
  readonly ms: number;
  readonly msExtended: number;
  /** Multiply-adds an image in the two models' convolutions and products. */
  readonly multiplyAdds: number;
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
  const peak = await chromiumTilePeak();

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

  // What a WebAssembly engine could reach at best here (tilePeak.ts), against native's rate.
  const ceiling = (() => {
    if ('why' in reference) return '';
    const gflop = (2 * reference.multiplyAdds) / 1e9;
    const nativeRate = gflop / (reference.ms / 1000);
    const peakText = 'why' in peak ? `the project's register tile could not be timed: ${peak.why}` : `${peak.gflops.toFixed(0)} GFLOP/s`;
    return (
      `. Ceiling: the models are ${(gflop * 1000).toFixed(0)} MFLOP an image (convolutions and products), which native runs at ${nativeRate.toFixed(0)} GFLOP/s; ` +
      `${TARGET}x of that needs ${(TARGET * nativeRate).toFixed(0)} GFLOP/s sustained over the whole network, and the project's relaxed-SIMD register tile ` +
      `(kNN's and training's kernel) peaks at ${peakText} in Chromium with its data in the L1 cache`
    );
  })();

  const row = (where: string, timing: InferenceTiming | { readonly why: string }, withCeiling: boolean): BenchRow => {
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
    const app = `${timing.ms.toFixed(1)} ms/image on ${timing.threads ?? '?'} thread${timing.threads === 1 ? '' : 's'}`;
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
        `Native without its NCHWc layout (convolutions on channel blocks with AVX2 / AVX-512 kernels, which the WASM build has no counterpart of): ${reference.msExtended.toFixed(1)} ms/image, ` +
        `${(reference.msExtended / timing.ms).toFixed(2)}x of that${withCeiling ? ceiling : ''}`,
    };
  };
  return [row('headless Chromium (the app)', inPage, true), row('Node (same WASM binary)', inNode, false)];
}
