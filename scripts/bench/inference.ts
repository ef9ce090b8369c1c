/**
 * Encoder + connector inference, batch 1, one thread: the app's path (ml/packRunner.ts on
 * onnxruntime-web's WASM build, which the tab runs when it has no GPU; measured here in Node, where
 * the same WASM kernels run) against native ONNX Runtime on the same two ONNX files and the same
 * pixels. The native reference is ONNX Runtime's Python package from the bench venv
 * (tools/requirements-bench.txt): the same C++ library onnxruntime-node wraps, without adding a
 * 100 MB native npm package to every install. Outputs are compared too (max |difference|).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import { seededRandom } from '../../src/core/random.ts';
import { openPack } from '../../src/ml/packRunner.ts';
import { benchPython, runPython } from './pythonEnv.ts';
import type { BenchRow } from './report.ts';

const PACK = 'mnv2-mlp';
const WARM_UP = 3;
const RUNS = 20;
const TARGET = 0.7;

const REFERENCE_SCRIPT = `
import sys, json, time, numpy as np, onnxruntime as ort
encoder_path, connector_path, pixels_path, size, enc_in, enc_out, con_in, con_out, warm, runs = sys.argv[1:11]
size, warm, runs = int(size), int(warm), int(runs)
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
encoder = ort.InferenceSession(encoder_path, options, providers=['CPUExecutionProvider'])
connector = ort.InferenceSession(connector_path, options, providers=['CPUExecutionProvider'])
pixels = np.fromfile(pixels_path, dtype=np.float32).reshape(1, 3, size, size)
def once():
    pre = encoder.run([enc_out], {enc_in: pixels})[0]
    return connector.run([con_out], {con_in: pre})[0]
for _ in range(warm): post = once()
start = time.perf_counter()
for _ in range(runs): post = once()
ms = (time.perf_counter() - start) * 1000 / runs
post.astype(np.float32).tofile(pixels_path + '.post')
print(json.dumps({'ms': ms, 'version': ort.__version__}))
`;

export async function inferenceBench(): Promise<BenchRow[]> {
  const what = `encoder + connector, batch 1, 1 thread (${PACK}): ORT-web WASM vs native ONNX Runtime`;
  const folder = resolve(import.meta.dirname, '../../models', PACK);
  const checked = validateManifest(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')));
  if (!checked.ok) throw new Error(`models/${PACK}/manifest.json is invalid: ${checked.errors.join('; ')}`);
  const { manifest } = checked;
  const encoderPath = join(folder, manifest.files.encoder);
  const connectorPath = join(folder, manifest.files.connector);
  const runner = await openPack(manifest, new Uint8Array(readFileSync(encoderPath)), new Uint8Array(readFileSync(connectorPath)), ['wasm']);
  const random = seededRandom(21);
  const size = manifest.image.size;
  const pixels = Float32Array.from({ length: 3 * size * size }, () => random() * 2 - 1);
  let post: Float32Array = new Float32Array(0);
  for (let i = 0; i < WARM_UP; i++) post = (await runner.embed(pixels)).post;
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) post = (await runner.embed(pixels)).post;
  const appMs = (performance.now() - started) / RUNS;
  await runner.dispose();
  const app = `${appMs.toFixed(1)} ms/image`;

  const python = await benchPython(['numpy', 'onnxruntime']);
  if (!python.ok) return [{ what, app, reference: 'not run', ratio: null, better: 'higher', target: `>= ${TARGET}`, met: null, note: python.why }];
  const dir = mkdtempSync(join(tmpdir(), 'bench-inference-'));
  try {
    const pixelsPath = join(dir, 'pixels.f32');
    writeFileSync(pixelsPath, pixels);
    const { io } = manifest;
    const out = JSON.parse(
      runPython(python.python, [
        '-c',
        REFERENCE_SCRIPT,
        encoderPath,
        connectorPath,
        pixelsPath,
        String(size),
        io.encoderInput,
        io.encoderOutput,
        io.connectorInput,
        io.connectorOutput,
        String(WARM_UP),
        String(RUNS),
      ]),
    ) as { ms: number; version: string };
    const bytes = readFileSync(`${pixelsPath}.post`);
    const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    let maxDiff = 0;
    for (let i = 0; i < post.length; i++) maxDiff = Math.max(maxDiff, Math.abs(post[i]! - reference[i]!));
    // Throughput ratio: the app's images/s over the reference's.
    const ratio = out.ms / appMs;
    return [
      {
        what,
        app,
        reference: `${out.ms.toFixed(1)} ms/image (onnxruntime ${out.version}, CPU provider)`,
        ratio,
        better: 'higher',
        target: `>= ${TARGET}`,
        met: ratio >= TARGET,
        note: `same ONNX files and pixels; post tokens agree to ${maxDiff.toExponential(1)} (max abs); ${RUNS} runs after ${WARM_UP} warm-up`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
