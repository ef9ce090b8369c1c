/**
 * Names ONNX Runtime's binaries as the app's own assets (Vite's `?url`): no CDN, works offline.
 * The plain WASM build is a chunk of its own, loaded only when a session runs on WASM (ml/ort.ts
 * says why). Each build's Emscripten module (.mjs) is a file of its own too, because its threads
 * start as workers on its own URL. Imported first by every worker that opens an ONNX session.
 */
import jsepWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import plainWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import jsepModule from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import plainModule from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { serveOrtWasmFrom } from '../ml/ort.ts';

serveOrtWasmFrom({ jsepWasm, plainWasm, jsepModule, plainModule, loadPlain: () => import('onnxruntime-web/wasm') });
