/**
 * The built-in packs' architectures: one small ViT encoder and one connector of each family in
 * docs/method.md. Sizes are small enough to ship (a few MB) and to run in a browser on WASM.
 */
import { GraphBuilder } from '../onnx/graphBuilder.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { ConnectorFamily } from '../../src/core/types.ts';
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

export function postTokens(family: ConnectorFamily, shape: ConnectorShape): number {
  const tokens = shape.grid * shape.grid;
  return family === 'mlp' ? tokens : family === 'perceiver' ? shape.perceiver.queries : tokens / 4;
}

export const POST_TOKENS: Record<ConnectorFamily, number> = {
  mlp: postTokens('mlp', SYNTHETIC_SHAPE),
  merger: postTokens('merger', SYNTHETIC_SHAPE),
  'pixel-shuffle': postTokens('pixel-shuffle', SYNTHETIC_SHAPE),
  perceiver: postTokens('perceiver', SYNTHETIC_SHAPE),
};

/**
 * Pre-projection tokens [N, grid^2, dPre] -> post-projection tokens [N, T', dPost]. Weights are
 * seeded Glorot-uniform, or `weights` (by initializer name) when given: trained numbers in the
 * same graph.
 */
export function buildConnector(family: ConnectorFamily, seed: number, shape: ConnectorShape = SYNTHETIC_SHAPE, weights?: ReadonlyMap<string, Float32Array>): Uint8Array {
  const g = new GraphBuilder(`${family}_connector`);
  const L = new Layers(g, seededRandom(seed), weights);
  const d = shape.dPre;
  const dl = shape.dPost;
  const tokens = shape.grid * shape.grid;
  const x = g.input(CONNECTOR_IO.input, ['batch', tokens, d]);
  let y: string;
  switch (family) {
    case 'mlp':
      // LLaVA: Linear(d_v, d_l) GELU Linear(d_l, d_l), token by token.
      y = L.mlp(x, d, dl, dl, 'mlp');
      break;
    case 'merger': {
      // Qwen2.5-VL: ln_q, then each 2x2 block of the grid concatenated, then an MLP.
      const normed = L.layerNorm(x, d, 'ln_q');
      const h = shape.grid / 2;
      const blocks = L.reshape(L.transpose(L.reshape(normed, [0, h, 2, h, 2, d]), [0, 1, 3, 2, 4, 5]), [0, h * h, 4 * d]);
      y = L.mlp(blocks, 4 * d, 4 * d, dl, 'merger');
      break;
    }
    case 'pixel-shuffle': {
      // Idefics3 pixel_shuffle(x, scale 2), then a bias-free Linear (the modality projection).
      const s = shape.grid;
      let t = L.reshape(x, [0, s, s / 2, d * 2]);
      t = L.transpose(t, [0, 2, 1, 3]);
      t = L.reshape(t, [0, s / 2, s / 2, d * 4]);
      t = L.transpose(t, [0, 2, 1, 3]);
      t = L.reshape(t, [0, tokens / 4, d * 4]);
      y = L.linear(t, 4 * d, dl, 'proj', false);
      break;
    }
    case 'perceiver': {
      // Idefics2: modality projection, then learned latents cross-attend to [context; latents].
      const { queries, layers, heads, mlp } = shape.perceiver;
      const context = L.mlp(x, d, dl, dl, 'modality_projection');
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
      y = L.layerNorm(latents, dl, 'norm');
      break;
    }
  }
  g.op('Identity', [y], {}, CONNECTOR_IO.output);
  g.output(CONNECTOR_IO.output, ['batch', postTokens(family, shape), dl]);
  return g.toBytes();
}
