/// <reference lib="webworker" />
/**
 * The inference bench's page worker (run by inferenceChromium.ts): the app's pack runner on
 * ONNX Runtime Web's plain WASM build, served from the page's folder as the app serves it
 * (workers/ortWasmAsset.ts), on the one thread a page that is not cross-origin isolated has.
 */
import { serveOrtWasmFrom } from '../../src/ml/ort.ts';
import { checkedManifest, timeEmbedding, type InferenceTiming } from './inferenceApp.ts';
import { replyFromWorker } from './workerReply.ts';

declare const self: DedicatedWorkerGlobalScope;

const here = (file: string) => new URL(file, self.location.href).href;

self.onmessage = () => {
  replyFromWorker(self, async () => {
    // The jsep build is never loaded: the runner asks for WASM only.
    serveOrtWasmFrom({
      jsepWasm: here('ort-wasm-simd-threaded.jsep.wasm'),
      jsepModule: here('ort-wasm-simd-threaded.jsep.mjs'),
      plainWasm: here('ort-wasm-simd-threaded.wasm'),
      plainModule: here('ort-wasm-simd-threaded.mjs'),
      loadPlain: () => import('onnxruntime-web/wasm'),
    });
    const bytes = async (file: string) => new Uint8Array(await (await fetch(file)).arrayBuffer());
    const manifest = checkedManifest(await (await fetch('manifest.json')).json());
    return (await timeEmbedding(manifest, await bytes(manifest.files.encoder), await bytes(manifest.files.connector))) satisfies InferenceTiming;
  });
};
