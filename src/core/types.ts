/**
 * Shared vocabulary of the pure core. Branded types keep look-alike numbers apart:
 * a PatchIndex (encoder grid) is not a post-token index.
 */

import type { AnyConnectorSpec } from './connectors/family.ts';
import type { ConnectorSpec } from './connectors/registry.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Index of a patch on the encoder's grid, row-major: row * gridWidth + col. */
export type PatchIndex = Brand<number, 'PatchIndex'>;

export const asPatchIndex = (i: number): PatchIndex => i as PatchIndex;

/**
 * Connector geometry as the manifest states it, and the family names: derived from the family
 * modules in core/connectors (registry.ts lists them; CONNECTOR_FAMILIES is there too).
 */
export type { ConnectorFamily, ConnectorSpec } from './connectors/registry.ts';

export type Metric = 'cosine' | 'l2';

export interface PreprocessSpec {
  /** 'shortest-edge': scale so the short side equals image.size, then crop; 'stretch': resize to size x size. */
  readonly resize: 'shortest-edge' | 'stretch';
  readonly crop: 'center' | 'none';
  readonly resample: 'bicubic' | 'bilinear' | 'nearest';
  /** Multiplier applied to 0..255 values before mean/std (1/255 for CLIP-style processors). */
  readonly rescale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * models/<id>/manifest.json, see docs/model-pack.md. S is the app's ConnectorSpec; a registry with
 * other families (core/connectors/registry.ts) validates manifests of its own specs.
 */
export interface PackManifest<S extends AnyConnectorSpec = ConnectorSpec> {
  readonly formatVersion: 1;
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Input side of the encoder, in pixels; the grid is size / patchSize on each side. */
  readonly image: { readonly size: number; readonly patchSize: number; readonly grid: readonly [number, number] };
  /** T, T', d_v, d_l of docs/method.md. */
  readonly tokens: { readonly pre: number; readonly post: number; readonly dPre: number; readonly dPost: number };
  readonly connector: S;
  readonly preprocess: PreprocessSpec;
  readonly files: { readonly encoder: string; readonly connector: string };
  /** Tensor names: encoder input (NCHW float32 pixels) -> encoder output [N,T,d_v] -> connector output [N,T',d_l]. */
  readonly io: {
    readonly encoderInput: string;
    readonly encoderOutput: string;
    readonly connectorInput: string;
    readonly connectorOutput: string;
  };
  readonly weights: {
    /** 'synthetic' packs have seeded random weights: structure is real, semantics are not. */
    readonly source: 'synthetic' | 'pretrained' | 'trained';
    readonly synthetic: boolean;
    readonly seed?: number;
    readonly license: string;
    readonly origin: string;
  };
}
