/**
 * Names ONNX Runtime's wasm binaries as the app's own assets (Vite's `?url`): no CDN, works
 * offline. The plain WASM build is a chunk of its own, loaded only when a session runs on WASM
 * (ml/ort.ts says why). Imported first by every worker that opens an ONNX session.
 */
import jsepWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import plainWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { serveOrtWasmFrom } from '../ml/ort.ts';

serveOrtWasmFrom({ jsepWasm, plainWasm, loadPlain: () => import('onnxruntime-web/wasm') });
