import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Relative base: the production build runs from any folder (a lecture laptop, a file server).
  base: './',
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Model files and the ORT wasm binary must stay separate files, never inlined.
    assetsInlineLimit: 0,
  },
});
