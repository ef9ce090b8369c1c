/**
 * Building blocks shared by the small vision-language graphs of the tests (vlmFixtures.ts: one
 * pixel_values input, the connector families; stockFixtures.ts: the stock transformers.js
 * interfaces): the three exporters' naming styles, a graph context whose weights come from a
 * switchable seed, run-time batch arithmetic and the ViT pieces (patch embedding, pre-LN layer,
 * SigLIP tower), with their sizes as parameters.
 */
import { Layers } from '../../scripts/packs/layers.ts';
import { GraphBuilder, type NodeNaming } from '../../scripts/onnx/graphBuilder.ts';
import type { ExportStyle } from '../../src/core/onnx/scope.ts';
import { seededRandom, type Random } from '../../src/core/random.ts';

export const STYLES: readonly ExportStyle[] = ['torchscript', 'builder', 'dynamo'];

// ---------- naming styles ----------

function slashNaming(root: string, outputSeparator: string): NodeNaming {
  const used = new Map<string, number>();
  return {
    name(op, scope, count) {
      const base = `${root}/${[...scope, op].join('/')}`;
      const n = used.get(base) ?? 0;
      used.set(base, n + 1);
      // TorchScript numbers repeats of an op within one module: MatMul, MatMul_1, ...
      const node = n === 0 ? base : `${base}_${n}`;
      return { node, outputs: Array.from({ length: count }, (_, j) => `${node}${outputSeparator}${j}`) };
    },
  };
}

/** Python's repr() of a list of strings (single quotes; these names need no escapes beyond \\ and \'). */
export const pythonRepr = (items: readonly string[]) => `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;

function dynamoNaming(): NodeNaming {
  let n = 0;
  return {
    name(op, scope, count) {
      n++;
      const fx = `${op.toLowerCase()}_${n}`;
      const cumulative = scope.map((_, i) => scope.slice(0, i + 1).join('.'));
      return {
        node: `node_${op}_${n}`,
        outputs: Array.from({ length: count }, (_, j) => (count === 1 ? `val_${n}` : `val_${n}_${j}`)),
        metadata: {
          'pkg.torch.onnx.name_scopes': pythonRepr(['', ...cumulative, fx]),
          'pkg.torch.onnx.class_hierarchy': pythonRepr(['Model', ...scope.map(() => 'Module'), `aten.${op.toLowerCase()}.default`]),
        },
      };
    },
  };
}

export function naming(style: ExportStyle): NodeNaming {
  return style === 'torchscript' ? slashNaming('', '_output_') : style === 'builder' ? slashNaming('/model', '/output_') : dynamoNaming();
}

// ---------- graph context ----------

/** One graph, one Layers whose random source switches between the encoder's and the connector's seed. */
export interface Ctx {
  readonly g: GraphBuilder;
  readonly L: Layers;
  readonly style: ExportStyle;
  use(random: Random): void;
}

export function context(name: string, style: ExportStyle): Ctx {
  const g = new GraphBuilder(name, naming(style));
  let current: Random = seededRandom(1);
  const L = new Layers(g, () => current());
  return { g, L, style, use: (r) => (current = r) };
}

/** protobufjs hands out a Node Buffer in Node; tests compare plain Uint8Arrays. */
export const plain = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** The model wrapper dynamo exports carry ("model."): a top-level module, inside it for dynamo. */
export const top = (c: Ctx, module: string, build: () => string) =>
  c.style === 'dynamo' ? c.g.within('model', () => c.g.within(module, build)) : c.g.within(module, build);
/** Ops of the model's own forward, outside any submodule ("model" for dynamo). */
export const atModel = <T>(c: Ctx, build: () => T): T => (c.style === 'dynamo' ? c.g.within('model', build) : build());
/** A module path as findConnectorBoundary reports it in each style. */
export const scopeName = (style: ExportStyle, path: readonly string[]) =>
  style === 'dynamo' ? ['model', ...path].join('.') : style === 'builder' ? ['model', ...path].join('/') : path.join('/');

// ---------- shape arithmetic ----------

/** x.size(0) as a one-element int64 tensor, read at run time as exporters emit it (Shape, Gather). */
export function batchOf(c: Ctx, x: string): string {
  const { g } = c;
  return g.op('Gather', [g.op('Shape', [x]), g.int64Init(g.fresh('index0'), [0])], { axis: 0 });
}

/** Reshape to [batch, ...rest] with the batch read at run time (Concat of Shape/Gather and constants). */
export function reshapeBatch(c: Ctx, x: string, batch: string, rest: readonly number[]): string {
  const { g } = c;
  const target = g.op('Concat', [batch, g.int64Init(g.fresh('dims'), [...rest])], { axis: 0 });
  return g.op('Reshape', [x, target]);
}

// ---------- ViT pieces ----------

/** A ViT's sizes: width, heads, MLP width, patch side, patches per side (square images). */
/**
 * Idefics3Connector.pixel_shuffle, literally: view, view, permute, reshape, permute, reshape, with
 * the batch read at run time. [batch, side^2, dim] -> [batch, (side / r)^2, dim * r^2].
 */
export function pixelShuffle(c: Ctx, pre: string, side: number, dim: number, r: number): string {
  const { L } = c;
  const batch = batchOf(c, pre);
  let x = reshapeBatch(c, pre, batch, [side, side, dim]);
  x = reshapeBatch(c, x, batch, [side, side / r, dim * r]);
  x = L.transpose(x, [0, 2, 1, 3]);
  x = reshapeBatch(c, x, batch, [side / r, side / r, dim * r * r]);
  x = L.transpose(x, [0, 2, 1, 3]);
  return reshapeBatch(c, x, batch, [(side * side) / (r * r), dim * r * r]);
}

export interface VisionSize {
  readonly dim: number;
  readonly heads: number;
  readonly mlp: number;
  readonly patch: number;
  readonly grid: number;
  /** Encoder layers. */
  readonly layers: number;
}

/** Patch embedding (Conv), optional CLS token expanded to the batch, learned positions. */
export function embeddings(c: Ctx, pixels: string, cls: boolean, prefix: string, size: VisionSize): string {
  const { g, L } = c;
  const { dim, patch } = size;
  const tokens = size.grid * size.grid;
  return g.within('embeddings', () => {
    const kernel = g.floatInit(
      `${prefix}.patch_embedding.weight`,
      [dim, 3, patch, patch],
      L.uniform(dim * 3 * patch * patch, Math.sqrt(6 / (3 * patch * patch + dim))),
    );
    const conv = g.within('patch_embedding', () => g.op('Conv', [pixels, kernel], { kernel_shape: [patch, patch], strides: [patch, patch] }));
    let x = L.transpose(L.reshape(conv, [0, dim, tokens]), [0, 2, 1]);
    if (cls) {
      // class_embedding.expand(batch, 1, -1): the batch size comes from a Shape, not a constant.
      const token = g.floatInit(`${prefix}.class_embedding`, [1, 1, dim], L.uniform(dim, 0.5));
      const target = g.op('Concat', [batchOf(c, pixels), g.int64Init(g.fresh('cls_dims'), [1, dim])], { axis: 0 });
      x = g.op('Concat', [g.op('Expand', [token, target]), x], { axis: 1 });
    }
    const count = tokens + (cls ? 1 : 0);
    const position = g.floatInit(`${prefix}.position_embedding`, [1, count, dim], L.uniform(count * dim, 0.5));
    return g.op('Add', [x, position]);
  });
}

/** A pre-LN transformer layer (CLIP/SigLIP/ViT) on [N, T, dim]. */
export function encoderLayer(c: Ctx, x: string, name: string, size: VisionSize): string {
  const { g, L } = c;
  const { dim } = size;
  const normed1 = g.within('layer_norm1', () => L.layerNorm(x, dim, `${name}.layer_norm1`));
  const attn = g.within('self_attn', () => L.attention(normed1, normed1, dim, size.heads, `${name}.self_attn`));
  const h = g.op('Add', [x, attn]);
  const normed = g.within('layer_norm2', () => L.layerNorm(h, dim, `${name}.layer_norm2`));
  return g.op('Add', [h, g.within('mlp', () => L.mlp(normed, dim, size.mlp, dim, `${name}.mlp`))]);
}

/**
 * SigLIP's vision transformer, built in the current module (the caller opens "vision_model"):
 * embeddings without CLS, the encoder layers, post_layernorm. Returns the last layer's output
 * (hidden_states[-1]) and last_hidden_state (after post_layernorm).
 */
export function siglipTower(c: Ctx, pixels: string, size: VisionSize): { readonly lastLayer: string; readonly lastHiddenState: string } {
  const { g, L } = c;
  let x = embeddings(c, pixels, false, 'vision_model.embeddings', size);
  g.within('encoder', () => {
    for (let i = 0; i < size.layers; i++) x = g.within(`layers.${i}`, () => encoderLayer(c, x, `vision_model.encoder.layers.${i}`, size));
  });
  const lastLayer = x;
  return { lastLayer, lastHiddenState: g.within('post_layernorm', () => L.layerNorm(lastLayer, size.dim, 'vision_model.post_layernorm')) };
}
