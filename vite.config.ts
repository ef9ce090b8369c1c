import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Relative base: the production build runs from any folder (a lecture laptop, a file server).
  base: './',
  worker: { format: 'es' },
  // Pre-bundle what the workers import, so the dev server does not reload the page when a worker
  // first asks for them; onnxruntime-web stays unbundled so its wasm asset URL resolves.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'onnx-proto'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Model files and the ORT wasm binary must stay separate files, never inlined.
    assetsInlineLimit: 0,
  },
});
