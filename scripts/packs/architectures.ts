/**
 * The built-in packs' architectures: one small ViT encoder and one connector of each family in
 * docs/method.md. Sizes are small enough to ship (a few MB) and to run in a browser on WASM.
 * The connectors are one entry per family in CONNECTOR_GRAPHS, organised like the app's family
 * modules (src/core/connectors/).
 */
import { GraphBuilder } from '../onnx/graphBuilder.ts';
import { seededRandom } from '../../src/core/random.ts';
import { CONNECTOR_FAMILIES, type ConnectorFamily, type ConnectorSpec } from '../../src/core/connectors/registry.ts';
import { postTokenCount } from '../../src/core/geometry/connectorGeometry.ts';
import { Layers } from './layers.ts';

export const VIT = { image: 224, patch: 16, grid: 14, dim: 64, depth: 4, heads: 4, mlp: 256 } as const;
export const TOKENS = VIT.grid * VIT.grid;
export const D_LLM = 128;
export const PERCEIVER = { queries: 16, layers: 2, heads: 4, mlp: 256 } as const;

export const ENCODER_IO = { input: 'pixel_values', output: 'pre_tokens' } as const;
export const CONNECTOR_IO = { input: 'pre_tokens', output: 'post_tokens' } as const;

/** Pixels [N,3,224,224] -> pre-projection tokens [N,196,64]: the last block's output, no final norm. */
export function buildVitEncoder(seed: number): Uint8Array {
  const g = new GraphBuilder('vit_encoder');
  const L = new Layers(g, seededRandom(seed));
  const { image, patch, grid, dim, depth, heads, mlp } = VIT;
  const pixels = g.input(ENCODER_IO.input, ['batch', 3, image, image]);
  const kernel = g.floatInit('patch_embed.weight', [dim, 3, patch, patch], L.uniform(dim * 3 * patch * patch, Math.sqrt(6 / (3 * patch * patch + dim))));
  const kernelBias = g.floatInit('patch_embed.bias', [dim], L.uniform(dim, 0.02));
  const conv = g.op('Conv', [pixels, kernel, kernelBias], { kernel_shape: [patch, patch], strides: [patch, patch] });
  const tokens = L.transpose(L.reshape(conv, [0, dim, grid * grid]), [0, 2, 1]);
  const position = g.floatInit('pos_embed', [1, grid * grid, dim], L.uniform(grid * grid * dim, 0.5));
  let x = g.op('Add', [tokens, position]);
  for (let b = 0; b < depth; b++) {
    const p = `blocks.${b}`;
    const normed = L.layerNorm(x, dim, `${p}.norm1`);
    x = g.op('Add', [x, L.attention(normed, normed, dim, heads, `${p}.attn`)]);
    x = g.op('Add', [x, L.mlp(L.layerNorm(x, dim, `${p}.norm2`), dim, mlp, dim, `${p}.mlp`)]);
  }
  g.op('Identity', [x], {}, ENCODER_IO.output);
  g.output(ENCODER_IO.output, ['batch', TOKENS, dim]);
  return g.toBytes();
}

/**
 * What a connector is built for: the encoder's grid and width (d_v), the language side's width
 * (d_l) and the perceiver's sizes. The synthetic packs use SYNTHETIC_SHAPE; the trained packs on
 * MobileNetV2 (scripts/connectors/) use the same graphs with d_v = 96.
 */
export interface ConnectorShape {
  readonly grid: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly perceiver: { readonly queries: number; readonly layers: number; readonly heads: number; readonly mlp: number };
}

export const SYNTHETIC_SHAPE: ConnectorShape = { grid: VIT.grid, dPre: VIT.dim, dPost: D_LLM, perceiver: PERCEIVER };

/**
 * One built-in connector graph: the spec the manifest states for it, the names its packs go by,
 * and its layers. One entry per family in CONNECTOR_GRAPHS, keyed by the family's registry id
 * (src/core/connectors/); scripts/connectors/tfConnector.ts holds the same layers in TensorFlow.js.
 */
interface ConnectorGraph {
  readonly spec: (shape: ConnectorShape) => ConnectorSpec;
  /** "2x2 patch merger": the pack names and descriptions say what the connector is... */
  readonly title: string;
  /** ...and which model's connector it imitates: "Qwen2.5-VL-style". */
  readonly style: string;
  /** Adds the layers to `g` on x [N, grid^2, dPre]; returns the name of the output [N, T', dPost]. */
  readonly build: (L: Layers, g: GraphBuilder, x: string, shape: ConnectorShape) => string;
}

const CONNECTOR_GRAPHS = {
  mlp: {
    spec: () => ({ family: 'mlp' }),
    title: 'MLP connector',
    style: 'LLaVA-style',
    // LLaVA: Linear(d_v, d_l) GELU Linear(d_l, d_l), token by token.
    build: (L, _g, x, shape) => L.mlp(x, shape.dPre, shape.dPost, shape.dPost, 'mlp'),
  },
  merger: {
    spec: () => ({ family: 'merger', mergeSize: 2 }),
    title: '2x2 patch merger',
    style: 'Qwen2.5-VL-style',
    build(L, _g, x, shape) {
      // Qwen2.5-VL: ln_q, then each 2x2 block of the grid concatenated, then an MLP.
      const d = shape.dPre;
      const normed = L.layerNorm(x, d, 'ln_q');
      const h = shape.grid / 2;
      const blocks = L.reshape(L.transpose(L.reshape(normed, [0, h, 2, h, 2, d]), [0, 1, 3, 2, 4, 5]), [0, h * h, 4 * d]);
      return L.mlp(blocks, 4 * d, 4 * d, shape.dPost, 'merger');
    },
  },
  'pixel-shuffle': {
    spec: () => ({ family: 'pixel-shuffle', scale: 2 }),
    title: 'pixel shuffle r=2',
    style: 'Idefics3/SmolVLM-style',
    build(L, _g, x, shape) {
      // Idefics3 pixel_shuffle(x, scale 2), then a bias-free Linear (the modality projection).
      const d = shape.dPre;
      const s = shape.grid;
      let t = L.reshape(x, [0, s, s / 2, d * 2]);
      t = L.transpose(t, [0, 2, 1, 3]);
      t = L.reshape(t, [0, s / 2, s / 2, d * 4]);
      t = L.transpose(t, [0, 2, 1, 3]);
      t = L.reshape(t, [0, (s * s) / 4, d * 4]);
      return L.linear(t, 4 * d, shape.dPost, 'proj', false);
    },
  },
  perceiver: {
    spec: (shape) => ({ family: 'perceiver', queries: shape.perceiver.queries }),
    title: 'perceiver resampler',
    style: 'Idefics2-style',
    build(L, g, x, shape) {
      // Idefics2: modality projection, then learned latents cross-attend to [context; latents].
      const dl = shape.dPost;
      const { queries, layers, heads, mlp } = shape.perceiver;
      const context = L.mlp(x, shape.dPre, dl, dl, 'modality_projection');
      const latentInit = L.param('latents', [1, queries, dl], () => L.uniform(queries * dl, 1));
      const batch = g.op('Slice', [g.op('Shape', [x]), L.shape([0]), L.shape([1])]);
      let latents = g.op('Expand', [latentInit, g.op('Concat', [batch, L.shape([queries, dl])], { axis: 0 })]);
      for (let i = 0; i < layers; i++) {
        const p = `layers.${i}`;
        const latNorm = L.layerNorm(latents, dl, `${p}.norm_latents`);
        const ctxNorm = L.layerNorm(context, dl, `${p}.norm_context`);
        const kv = g.op('Concat', [ctxNorm, latNorm], { axis: 1 });
        latents = g.op('Add', [latents, L.attention(latNorm, kv, dl, heads, `${p}.attn`)]);
        latents = g.op('Add', [latents, L.mlp(L.layerNorm(latents, dl, `${p}.norm_mlp`), dl, mlp, dl, `${p}.mlp`)]);
      }
      return L.layerNorm(latents, dl, 'norm');
    },
  },
} satisfies Partial<Record<ConnectorFamily, ConnectorGraph>>;

/**
 * The families the built-in packs (synthetic here, trained in scripts/connectors/) are built for:
 * those with an entry above. A family the app knows needs none to be opened; only to ship a pack.
 */
export type PackFamily = keyof typeof CONNECTOR_GRAPHS;
export const PACK_FAMILIES: readonly PackFamily[] = CONNECTOR_FAMILIES.filter((f): f is PackFamily => f in CONNECTOR_GRAPHS);

/** The pack's connector spec, and the names its packs go by. */
export function packConnector(family: PackFamily, shape: ConnectorShape): { readonly spec: ConnectorSpec; readonly title: string; readonly style: string } {
  const { spec, title, style } = CONNECTOR_GRAPHS[family];
  return { spec: spec(shape), title, style };
}

/** T' of the family's graph on this shape, from the app's own geometry of its spec. */
export function postTokens(family: PackFamily, shape: ConnectorShape): number {
  return postTokenCount(CONNECTOR_GRAPHS[family].spec(shape), [shape.grid, shape.grid]);
}

/**
 * Pre-projection tokens [N, grid^2, dPre] -> post-projection tokens [N, T', dPost]. Weights are
 * seeded Glorot-uniform, or `weights` (by initializer name) when given: trained numbers in the
 * same graph.
 */
export function buildConnector(
  family: PackFamily,
  seed: number,
  shape: ConnectorShape = SYNTHETIC_SHAPE,
  weights?: ReadonlyMap<string, Float32Array>,
): Uint8Array {
  const g = new GraphBuilder(`${family}_connector`);
  const L = new Layers(g, seededRandom(seed), weights);
  const x = g.input(CONNECTOR_IO.input, ['batch', shape.grid * shape.grid, shape.dPre]);
  const y = CONNECTOR_GRAPHS[family].build(L, g, x, shape);
  g.op('Identity', [y], {}, CONNECTOR_IO.output);
  g.output(CONNECTOR_IO.output, ['batch', postTokens(family, shape), shape.dPost]);
  return g.toBytes();
}
