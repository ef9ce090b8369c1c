/** Which pack is open and on which execution provider it runs. */
import { createStore } from 'zustand/vanilla';
import type { PackManifest } from '../core/types.ts';
import type { ExecutionProvider } from '../ml/ort.ts';

export type PackStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ModelState {
  readonly packId: string | null;
  readonly manifest: PackManifest | null;
  readonly status: PackStatus;
  readonly ep: ExecutionProvider | null;
  /** Why WebGPU was not used, when it was not. */
  readonly fallbackReason: string | null;
  readonly error: string | null;
  /** A pack opened from the user's files, listed in the picker beside the built-in ones. */
  readonly userPack: { readonly id: string; readonly name: string } | null;
  /** Preferred providers, first that works wins. */
  readonly preferred: readonly ExecutionProvider[];
}

/** `?ep=wasm` or `?ep=webgpu` pins the execution provider (for comparisons and troubleshooting). */
function preferredFromUrl(): readonly ExecutionProvider[] {
  const ep = typeof location !== 'undefined' ? new URLSearchParams(location.search).get('ep') : null;
  return ep === 'wasm' ? ['wasm'] : ep === 'webgpu' ? ['webgpu'] : ['webgpu', 'wasm'];
}

export const modelStore = createStore<ModelState>()(() => ({
  packId: null,
  manifest: null,
  status: 'idle',
  ep: null,
  fallbackReason: null,
  error: null,
  userPack: null,
  preferred: preferredFromUrl(),
}));
