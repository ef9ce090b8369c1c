/**
 * Names ONNX Runtime's wasm binary as one of the app's own assets (Vite's `?url`): no CDN, works
 * offline. Imported first by every worker that opens an ONNX session.
 */
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { serveOrtWasmFrom } from '../ml/ort.ts';

serveOrtWasmFrom(jsepWasmUrl);
