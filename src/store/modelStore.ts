/** Which pack is open and on which execution provider it runs. */
import { createStore } from 'zustand/vanilla';
import type { PackManifest } from '../core/types.ts';
import type { ExecutionProvider } from '../ml/ort.ts';

export type PackStatus = 'idle' | 'loading' | 'ready' | 'error';

/** A model being opened: what it is called, and how to stop opening it. */
export interface ModelLoading {
  /** The picker id it will have once open. */
  readonly packId: string;
  readonly what: string;
  readonly cancel: () => void;
}

/**
 * Where the open model came from, so a link can reopen it: a built-in pack, a hub repo at a
 * revision, the user's own files or a block store (which a link cannot carry).
 */
export type ModelOrigin =
  | { readonly kind: 'builtin'; readonly id: string }
  | { readonly kind: 'hub'; readonly repo: string; readonly revision: string }
  | { readonly kind: 'files' }
  /** The paper's block store read from files (store/blockStoreSession.ts): embeddings without a model. */
  | { readonly kind: 'block-store' };

export interface ModelState {
  /** What the picker shows as chosen: a built-in pack's id, or the user model's. */
  readonly packId: string | null;
  /** The open model's content key (core/identity/modelIdentity.ts): what its results are filed under. */
  readonly modelKey: string | null;
  readonly manifest: PackManifest | null;
  readonly status: PackStatus;
  readonly ep: ExecutionProvider | null;
  /** Why WebGPU was not used, when it was not. */
  readonly fallbackReason: string | null;
  /** Threads the model's WASM sessions compute on (null on WebGPU or with no model). */
  readonly wasmThreads: number | null;
  readonly error: string | null;
  /** Set while a model opens (the previous one stays open until it has). */
  readonly loading: ModelLoading | null;
  /** A pack opened from the user's files, listed in the picker beside the built-in ones. */
  readonly userPack: { readonly id: string; readonly name: string } | null;
  /** Where the open model came from (null while none is open). */
  readonly origin: ModelOrigin | null;
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
  modelKey: null,
  manifest: null,
  loading: null,
  status: 'idle',
  ep: null,
  fallbackReason: null,
  wasmThreads: null,
  error: null,
  userPack: null,
  origin: null,
  preferred: preferredFromUrl(),
}));
