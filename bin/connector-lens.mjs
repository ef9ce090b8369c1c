#!/usr/bin/env node
/**
 * `npx connector-lens ...` inside the repository: runs cli/connector-lens.ts with the repository's
 * own tsx (registered in this process, resolved next to this file, so it works from any working
 * directory and Ctrl-C reaches the command directly).
 */
import v8 from 'node:v8';
import { register } from 'tsx/esm/api';

// Node 20's V8 compiles WebAssembly's relaxed SIMD only behind this flag (Chromium, and Node from
// 22, without it): the neighbour search's kernel then runs its fused multiply-add build
// (core/knn/dotProducts.ts), as in the browser. Set before any WebAssembly is compiled.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
register();
await import(new URL('../cli/connector-lens.ts', import.meta.url).href);
