/**
 * The only module that imports onnxruntime-web. Owns execution-provider choice (WebGPU first,
 * WASM fallback), session creation and serialised runs: ORT sessions must not run concurrently.
 */
import * as ort from 'onnxruntime-web';
import { CodedError, errorText } from '../core/errors.ts';
import { webGpuKind } from './webGpuAdapter.ts';
import { floatDataToFloat32 } from '../core/onnx/float16.ts';
import type { FeedTensor } from '../core/stock/feeds.ts';
import { computeThreadsHere } from '../core/threads/computeThreads.ts';

export type ExecutionProvider = 'webgpu' | 'wasm';

export interface Session {
  readonly ep: ExecutionProvider;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Why the preferred provider was not used, if it was not. */
  readonly fallbackReason: string | null;
  /** Float32Tensor feeds are float32; typed ones (FeedTensor) say their type. Outputs are widened to float32. */
  run(feeds: Record<string, Float32Tensor | FeedTensor>): Promise<Record<string, Float32Tensor>>;
  /** As run, but int64 outputs (indices) come back as Int32Array. */
  runIndexed(feeds: Record<string, Float32Tensor | FeedTensor>): Promise<Record<string, Float32Tensor | Int32Tensor>>;
  dispose(): Promise<void>;
}

/** A weight file an ONNX model refers to by name (models over 2 GB keep weights outside). */
export interface ExternalDataFile {
  readonly path: string;
  readonly data: Uint8Array;
}

export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface Int32Tensor {
  readonly data: Int32Array;
  readonly dims: readonly number[];
}

/**
 * int64 values that are indices (under 2^31), as Int32Array. Read as 32-bit halves (little-endian,
 * as WebAssembly memory is): a BigInt per value would cost more than the search that made them.
 */
function indicesFromInt64(name: string, data: unknown): Int32Array | null {
  if (!(data instanceof BigInt64Array)) return null;
  const halves = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const low = halves[2 * i]!;
    const high = halves[2 * i + 1]!;
    // In range exactly when the high half is the low half's sign extension.
    if (high !== low >> 31) throw new RangeError(`output ${name}: index ${data[i]} does not fit 32 bits`);
    out[i] = low;
  }
  return out;
}

type OrtRuntime = typeof ort;

/**
 * Where a browser build finds ONNX Runtime's binaries, as the app's own assets (no CDN): the
 * WebGPU-capable build (jsep) that the static import above is, and the plain WASM build, loaded
 * only when a session runs on WASM: it is faster on WASM (in Chromium here, 44 instead of 52 ms
 * an image embedded, decoding and preprocessing included), and a browser without a GPU never
 * fetches the jsep binary, twice the plain one's size.
 */
export interface OrtBinaries {
  readonly jsepWasm: string;
  readonly plainWasm: string;
  /**
   * Each build's Emscripten module, served as a file of its own: with threads, ORT starts each
   * thread as a worker on the module's own URL (`new Worker(import.meta.url)`), which inside the
   * app's bundled worker would be the bundle, and no thread would ever start.
   */
  readonly jsepModule: string;
  readonly plainModule: string;
  readonly loadPlain: () => Promise<OrtRuntime>;
}
let binaries: OrtBinaries | null = null;
/**
 * workers/ortWasmAsset.ts names them before the first session; Node (tests, bench, CLI) resolves
 * its own build (the plain one) next to the package. Kept out of this module so that plain Node
 * can import it (a `?url` import is Vite's, not Node's).
 */
export function serveOrtWasmFrom(served: OrtBinaries): void {
  binaries = served;
}

/**
 * The threads ORT's WebAssembly computes on here: in a browser build, as many as the page's
 * cross-origin isolation allows (core/threads/computeThreads.ts); in Node (tests, bench, CLI) one,
 * so that a figure there does not depend on the machine's cores.
 */
function ortThreads(): number {
  return binaries ? computeThreadsHere().threads : 1;
}

const configured = new WeakSet<OrtRuntime>();
function configure(runtime: OrtRuntime, served: { readonly wasm: string; readonly module: string } | null): OrtRuntime {
  if (configured.has(runtime)) return runtime;
  configured.add(runtime);
  if (served != null) runtime.env.wasm.wasmPaths = { wasm: served.wasm, mjs: served.module };
  runtime.env.wasm.numThreads = ortThreads();
  runtime.env.logLevel = 'error';
  return runtime;
}

/** The runtime WASM sessions run on here, once one has been asked for. */
let wasmRuntime: OrtRuntime | null = null;

/** The ORT build for a provider: the plain WASM build where the browser build serves one, else the static import. */
async function runtimeFor(ep: ExecutionProvider): Promise<OrtRuntime> {
  const runtime =
    ep === 'wasm' && binaries
      ? configure(await binaries.loadPlain(), { wasm: binaries.plainWasm, module: binaries.plainModule })
      : configure(ort, binaries ? { wasm: binaries.jsepWasm, module: binaries.jsepModule } : null);
  if (ep === 'wasm') wasmRuntime = runtime;
  return runtime;
}

/**
 * How many threads WASM sessions compute on, as ONNX Runtime itself settled it when it started
 * (it falls back to one where the browser refuses shared memory); null before a WASM session.
 */
export function wasmThreadsInUse(): number | null {
  return wasmRuntime?.env.wasm.numThreads ?? null;
}

/** True when this context exposes a WebGPU adapter (checked, not assumed). */
export async function webGpuAvailable(): Promise<boolean> {
  return (await webGpuKind()) !== 'none';
}

// One chain for every create/run in this context: serialises WASM and WebGPU work.
let chain: Promise<unknown> = Promise.resolve();
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const next = chain.then(task, task);
  chain = next.catch(() => undefined);
  return next;
}

/**
 * The WebGPU device went away mid-run. ORT's pending run never settles after that and the ORT
 * instance stays busy, so the only recovery is a fresh worker (see store/pipeline.ts).
 */
export class DeviceLostError extends CodedError {
  override readonly name = 'DeviceLostError';
  constructor(why: string) {
    super('device-lost', `The WebGPU device was lost (${why}).`, why);
  }
}

/** Settles when the WebGPU device ORT uses is lost (driver reset, destroy); null before WebGPU is used. */
let deviceLost: Promise<string> | null = null;
let deviceWasLost = false;

/** True once the device is gone: GPU work still queued then rejects (e.g. mapAsync), and nobody awaits it. */
export function webGpuDeviceWasLost(): boolean {
  return deviceWasLost;
}

interface LosableDevice {
  readonly lost: Promise<{ readonly reason?: string; readonly message?: string }>;
  destroy(): void;
}

async function watchWebGpuDevice(): Promise<void> {
  if (deviceLost) return;
  const device = (await (await runtimeFor('webgpu')).env.webgpu.device) as LosableDevice | undefined;
  if (device)
    deviceLost = device.lost.then((info) => {
      deviceWasLost = true;
      return info.message || info.reason || 'no reason given';
    });
}

function wrap(runtime: OrtRuntime, session: ort.InferenceSession, ep: ExecutionProvider, fallbackReason: string | null): Session {
  const runWith = <T>(feeds: Record<string, Float32Tensor | FeedTensor>, convert: (name: string, t: ort.Tensor) => T): Promise<Record<string, T>> =>
    serialised(async () => {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = 'type' in t ? new runtime.Tensor(t.type, t.data, t.dims) : new runtime.Tensor('float32', t.data, t.dims);
      const pending = session.run(ortFeeds);
      // A lost device never settles ORT's run: race it, so the caller can fall back.
      const lost = ep === 'webgpu' ? deviceLost : null;
      // The loser of the race may still reject later (a dead device's buffers); that is expected.
      if (lost) pending.catch(() => undefined);
      const results = lost ? await Promise.race([pending, lost.then((why) => Promise.reject(new DeviceLostError(why)))]) : await pending;
      const out: Record<string, T> = {};
      try {
        // Copy out of ORT-owned memory, then release every tensor.
        for (const [name, t] of Object.entries(results)) out[name] = convert(name, t);
      } finally {
        for (const t of Object.values(results)) t.dispose();
      }
      return out;
    });
  const asFloat = (name: string, t: ort.Tensor): Float32Tensor => {
    // float16 is widened (fp16 exports).
    const data = floatDataToFloat32(t.type, t.data);
    if (!data) throw new Error(`output ${name}: expected float32 or float16, got ${t.type}`);
    return { data, dims: [...t.dims] };
  };
  return {
    ep,
    fallbackReason,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds) => runWith(feeds, asFloat),
    runIndexed: (feeds) =>
      runWith(feeds, (name, t): Float32Tensor | Int32Tensor => {
        const indices = t.type === 'int64' ? indicesFromInt64(name, t.data) : null;
        return indices ? { data: indices, dims: [...t.dims] } : asFloat(name, t);
      }),
    dispose: () => serialised(() => session.release()),
  };
}

/**
 * Create a session on the first provider in `preferred` that works; a provider that fails
 * (no adapter, unsupported op, device lost at start) falls through to the next, and the reason
 * is kept so the UI can say why it ran on WASM.
 */
export async function createSession(
  model: Uint8Array,
  preferred: readonly ExecutionProvider[],
  externalData: readonly ExternalDataFile[] = [],
): Promise<Session> {
  const reasons: string[] = [];
  for (const ep of preferred) {
    if (ep === 'webgpu') {
      const kind = await webGpuKind();
      if (kind === 'none') {
        reasons.push('this browser exposes no WebGPU adapter');
        continue;
      }
      // A software adapter is only used when WebGPU is asked for by name (?ep=webgpu): with WASM to choose, WASM is faster.
      if (kind === 'software' && preferred.length > 1) {
        reasons.push('WebGPU here is a software adapter (SwiftShader or similar), which is slower than WASM; ?ep=webgpu in the address uses it anyway');
        continue;
      }
    }
    try {
      const runtime = await runtimeFor(ep);
      const session = await serialised(() =>
        runtime.InferenceSession.create(model, {
          executionProviders: [ep],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          ...(externalData.length > 0 ? { externalData: externalData.map((f) => ({ path: f.path, data: f.data })) } : {}),
        }),
      );
      if (ep === 'webgpu') await watchWebGpuDevice();
      return wrap(runtime, session, ep, reasons.length > 0 ? reasons.join('; ') : null);
    } catch (error) {
      reasons.push(`${ep}: ${errorText(error)}`);
    }
  }
  throw new CodedError(
    'internal',
    "ONNX Runtime could not open this model: it may use an operation or a data type this browser's runtime lacks, or the file is damaged. Details say what the runtime reported.",
    reasons.join('; '),
  );
}

/**
 * Destroy ORT's WebGPU device, as a driver reset would. Only the browser test's debug hook calls
 * it, to prove that a lost device falls back to WASM instead of stalling the job.
 */
export async function destroyWebGpuDevice(): Promise<boolean> {
  if (!(await webGpuAvailable())) return false;
  const device = (await (await runtimeFor('webgpu')).env.webgpu.device) as LosableDevice | undefined;
  if (!device) return false;
  device.destroy();
  return true;
}
