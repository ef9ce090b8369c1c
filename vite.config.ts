import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HUB_CONNECT_SOURCES } from './src/core/hub/hubHosts.ts';
import { IMAGE_SET_ARCHIVE } from './src/core/imageset/imageSetArchive.ts';
import { imageSetArchiveOf } from './scripts/imageset/archive.ts';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './src/core/threads/computeThreads.ts';

/** The app's version, written into every export (report.json, CSV headers) so a figure says what made it. */
const APP_VERSION = (JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Content-Security-Policy of the production build: scripts only from this origin (no inline
 * script, no eval; 'wasm-unsafe-eval' lets ONNX Runtime compile its WebAssembly), network only
 * to this origin and to Hugging Face (the hub and the CDN hosts its downloads redirect to), which
 * the app contacts only when the user asks to open a model from there. Dev mode is left without
 * it: Vite's dev client injects inline scripts.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  `connect-src 'self' ${HUB_CONNECT_SOURCES.join(' ')}`,
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'connector-lens-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

/**
 * The bundled image set as one archive (core/imageset/imageSetArchive.ts), so a first visit makes
 * one request instead of one per image: written into each build beside public/imageset/, served
 * from the folder as it is now in development. Made from public/imageset, never committed.
 */
function imageSetArchive(): Plugin {
  const folder = fileURLToPath(new URL('./public/imageset', import.meta.url));
  const path = `imageset/${IMAGE_SET_ARCHIVE}`;
  return {
    name: 'connector-lens-image-set-archive',
    configureServer(server) {
      server.middlewares.use(`/${path}`, (_request, response) => {
        const archive = imageSetArchiveOf(folder);
        response.statusCode = archive ? 200 : 404;
        response.setHeader('Content-Type', 'application/zip');
        response.end(archive ?? undefined);
      });
    },
    generateBundle() {
      const archive = imageSetArchiveOf(folder);
      if (archive) this.emitFile({ type: 'asset', fileName: path, source: archive });
    },
  };
}

/**
 * The build's `_headers` file: the cross-origin isolation headers
 * in the format Netlify and Cloudflare Pages read from the site's root, so that a static host of
 * that kind gives the app its threads with no configuration. Other servers: README "Hosting the build".
 */
function staticHostHeaders(): Plugin {
  return {
    name: 'connector-lens-static-host-headers',
    apply: 'build',
    generateBundle() {
      const lines = ['/*', ...Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS).map(([name, value]) => `  ${name}: ${value}`), ''];
      this.emitFile({ type: 'asset', fileName: '_headers', source: lines.join('\n') });
    },
  };
}

/**
 * tfjs-backend-wasm's threaded build starts each thread as a worker that re-creates the module from
 * the factory's source text (`factory.toString()`), so the factory must not use a variable of the
 * closure around it. It does: `_scriptDir`, guarded by `typeof _scriptDir !== "undefined"`, which a
 * minifier that knows the variable exists shortens to the bare name; every thread then dies with
 * "ReferenceError: e is not defined" and training never starts (tfjs issue #4539). Declaring the
 * variable inside the factory keeps the source self-contained; the threads find their script by
 * the Blob tfjs hands them, never through `_scriptDir`.
 */
const TFJS_THREADED_FACTORY = 'tfjs-backend-wasm-threaded-simd.js';
const TFJS_SCRIPT_DIR_OUTSIDE = `var WasmBackendModuleThreadedSimd = (() => {
  var _scriptDir = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : undefined;
  if (typeof __filename !== 'undefined') _scriptDir = _scriptDir || __filename;
  return (
function(WasmBackendModuleThreadedSimd) {
`;
const TFJS_SCRIPT_DIR_INSIDE = `var WasmBackendModuleThreadedSimd = (() => {
  return (
function(WasmBackendModuleThreadedSimd) {
  var _scriptDir = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : undefined;
`;
function selfContainedTfjsThreads(): Plugin {
  return {
    name: 'connector-lens-tfjs-threaded-factory',
    apply: 'build',
    transform(code, id) {
      if (!id.endsWith(TFJS_THREADED_FACTORY)) return null;
      // A new tfjs release that changes this text must fail the build, not ship threads that die.
      if (!code.includes(TFJS_SCRIPT_DIR_OUTSIDE)) this.error(`${TFJS_THREADED_FACTORY} changed: check the _scriptDir workaround in vite.config.ts`);
      return { code: code.replace(TFJS_SCRIPT_DIR_OUTSIDE, TFJS_SCRIPT_DIR_INSIDE), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), imageSetArchive(), staticHostHeaders()],
  // Relative base: the production build runs from any folder (a lecture laptop, a file server).
  base: './',
  define: { __APP_VERSION__: JSON.stringify(APP_VERSION) },
  // Workers are bundled on their own, with their own plugins: tfjs lives in the training worker.
  worker: { format: 'es', plugins: () => [selfContainedTfjsThreads()] },
  // The Python venvs (.venv-hf holds PyTorch: tens of thousands of files) and test output are not
  // the app's sources: watching them would only use up the system's file watchers.
  // Cross-origin isolation, so that ONNX Runtime and TensorFlow.js compute on several threads
  // (core/threads/computeThreads.ts). The app loads nothing from another origin without CORS.
  server: {
    headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS },
    watch: { ignored: ['**/.venv/**', '**/.venv-tools/**', '**/.venv-hf/**', '**/test-artifacts/**'] },
  },
  preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  // Pre-bundle what the workers import, so the dev server does not reload the page when a worker
  // first asks for them (umap-js, found late, reloaded a new user's very first visit mid-load);
  // onnxruntime-web stays unbundled so its wasm asset URL resolves.
  optimizeDeps: {
    exclude: ['onnxruntime-web', 'onnxruntime-web/wasm'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'umap-js', 'fflate', 'hash-wasm', 'idb'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Model files and the ORT wasm binary must stay separate files, never inlined.
    assetsInlineLimit: 0,
  },
});
