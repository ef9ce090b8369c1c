/**
 * How many threads a compute worker (ONNX Runtime's or TensorFlow.js's WebAssembly) may start.
 *
 * WebAssembly threads share one memory, which a browser only hands out (SharedArrayBuffer) to a
 * page that is cross-origin isolated: its server sends COOP `same-origin` and COEP `require-corp`
 * (CROSS_ORIGIN_ISOLATION_HEADERS, sent by `npm run dev` and `npm run preview`; README "Hosting the build"
 * says how for a static server). Without them every worker computes on one thread, and says why.
 */

/** The two response headers that make a page cross-origin isolated. */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * At most this many threads a worker: the app runs up to three compute workers at once (embedding,
 * search, training), and past eight threads a batch-1 encoder or a reconstructor step gains little
 * while the other workers lose their cores.
 */
export const MAX_COMPUTE_THREADS = 8;

export interface ComputeThreads {
  readonly threads: number;
  /** Why there is only one thread, in words for the page; null when threads are in use. */
  readonly singleThreadReason: string | null;
}

/** Logical cores as the browser reports them; 1 where it reports none. */
function coresOf(hardwareConcurrency: number | undefined): number {
  return hardwareConcurrency != null && Number.isFinite(hardwareConcurrency) ? Math.floor(hardwareConcurrency) : 1;
}

/** "1 thread", "2 threads": how the header's badge and the training facts say it. */
export function threadsLabel(threads: number): string {
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

export function computeThreads(isolated: boolean, hardwareConcurrency: number | undefined): ComputeThreads {
  if (!isolated)
    return {
      threads: 1,
      singleThreadReason:
        'one thread: this page is not cross-origin isolated (its server does not send the COOP and COEP headers), so the browser allows WebAssembly no shared memory; README "Hosting the build" says how',
    };
  const threads = Math.max(1, Math.min(coresOf(hardwareConcurrency), MAX_COMPUTE_THREADS));
  return { threads, singleThreadReason: threads === 1 ? 'one thread: the browser reports a single core' : null };
}

const here = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };

/** This context's answer: a worker reads its own `crossOriginIsolated`, inherited from the page. */
export function computeThreadsHere(): ComputeThreads {
  return computeThreads(here.crossOriginIsolated === true, here.navigator?.hardwareConcurrency);
}

/**
 * Threads tfjs-backend-wasm computes on when asked for `requested`: it caps them itself at half the
 * logical cores (it assumes two hardware threads a core) and at 8. Where that leaves one, the app
 * does not load tfjs's threaded build at all: it would start its pool of 8 thread workers, each
 * with its own memory, to compute on one.
 */
export function tfjsWasmThreads(requested: number, hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(requested, MAX_COMPUTE_THREADS, Math.floor(coresOf(hardwareConcurrency) / 2)));
}

/** tfjsWasmThreads for what this context allows (computeThreadsHere) on its cores. */
export function tfjsWasmThreadsHere(): number {
  return tfjsWasmThreads(computeThreadsHere().threads, here.navigator?.hardwareConcurrency);
}
