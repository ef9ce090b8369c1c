/**
 * Small vision-language "vision encoder + connector" graphs that mimic how real models are
 * exported, for the connector-boundary finder and the tapper. Each preset has the structure of a
 * real one with the real connector ops (small sizes, seeded random weights):
 *
 * - llava: CLIP (CLS token, pre-LN, 3 layers, post_layernorm on CLS left dangling as exported),
 *   hidden_states[-2] with CLS dropped by a Slice outside the projector, then Linear-GELU-Linear;
 * - qwen2vl: ViT blocks, then visual.merger = ln_q, 2x2 merge (reshape/transpose), MLP;
 * - smolvlm: SigLIP with post_layernorm, then connector = pixel shuffle (space-to-depth x4, the
 *   batch size read with Shape as Idefics3 does) and modality_projection.proj;
 * - idefics2: SigLIP, then connector = modality_projection (gated SiLU MLP) and a perceiver
 *   resampler (learned latents cross-attend to [context; latents], RMSNorm).
 *
 * Each in three naming styles: TorchScript ("/module/Op", "<node>_output_0"), the ORT GenAI
 * builder ("/model/module/Op", "<node>/output_0") and dynamo (opaque names, module path in
 * metadata_props pkg.torch.onnx.name_scopes). The same seeds give the same weights in every
 * style and in the split parts (encoder alone, connector alone), which serve as the reference.
 */
import type { Dim } from '../../scripts/onnx/graphBuilder.ts';
import type { ExportStyle } from '../../src/core/onnx/scope.ts';
import { seededRandom } from '../../src/core/random.ts';
import {
  atModel,
  batchOf,
  context,
  embeddings,
  encoderLayer,
  pixelShuffle,
  plain,
  reshapeBatch,
  scopeName,
  siglipTower,
  top,
  type Ctx,
  type VisionSize,
} from './vlmBlocks.ts';

export { naming, pythonRepr, STYLES } from './vlmBlocks.ts';

export type Preset = 'llava' | 'qwen2vl' | 'smolvlm' | 'idefics2';
export const PRESETS: readonly Preset[] = ['llava', 'qwen2vl', 'smolvlm', 'idefics2'];

const IMAGE = 32;
const PATCH = 4;
const GRID = IMAGE / PATCH;
const TOKENS = GRID * GRID;
const DIM = 16;
const HEADS = 2;
const MLP = 32;
const D_LLM = 24;
const SHUFFLE = 4;
const LATENTS = 8;
/** The vision towers' sizes: the SigLIPs have 2 layers (llava's CLIP builds its 3 itself). */
const VISION: VisionSize = { dim: DIM, heads: HEADS, mlp: MLP, patch: PATCH, grid: GRID, layers: 2 };

export const PIXELS = { name: 'pixel_values', dims: [1, 3, IMAGE, IMAGE] } as const;
export const POST_NAME = 'image_features';

// ---------- building blocks ----------

function rmsNorm(c: Ctx, x: string, dim: number, name: string): string {
  const { g, L } = c;
  const mean = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const rms = g.op('Sqrt', [g.op('Add', [mean, L.constant('rms_eps', 1e-6)])]);
  const w = g.floatInit(`${name}.weight`, [dim], L.uniform(dim, 0.1, 1));
  return g.op('Mul', [g.op('Div', [x, rms]), w]);
}

/** Multi-head attention with bias-free projections (Idefics2's perceiver); q [N,Tq,d], kv [N,Tk,d]. */
function attentionNoBias(c: Ctx, q: string, kv: string, dim: number, heads: number, name: string): string {
  const { g, L } = c;
  const head = dim / heads;
  const proj = (x: string, p: string) => g.within(p, () => L.linear(x, dim, dim, `${name}.${p}`, false));
  const qh = L.transpose(L.reshape(proj(q, 'q_proj'), [0, -1, heads, head]), [0, 2, 1, 3]);
  const kT = L.transpose(L.reshape(proj(kv, 'k_proj'), [0, -1, heads, head]), [0, 2, 3, 1]);
  const vh = L.transpose(L.reshape(proj(kv, 'v_proj'), [0, -1, heads, head]), [0, 2, 1, 3]);
  const weights = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [qh, kT]), L.constant(`attn_scale_${head}`, 1 / Math.sqrt(head))])], { axis: -1 });
  const merged = L.reshape(L.transpose(g.op('MatMul', [weights, vh]), [0, 2, 1, 3]), [0, -1, dim]);
  return g.within('o_proj', () => L.linear(merged, dim, dim, `${name}.o_proj`, false));
}

/** down(act(gate(x)) * up(x)) with SiLU, as Idefics2MLP. */
function gatedMlp(c: Ctx, x: string, inDim: number, hidden: number, outDim: number, name: string): string {
  const { g, L } = c;
  const gate = g.within('gate_proj', () => L.linear(x, inDim, hidden, `${name}.gate_proj`, false));
  const act = g.within('act_fn', () => g.op('Mul', [gate, g.op('Sigmoid', [gate])]));
  const up = g.within('up_proj', () => L.linear(x, inDim, hidden, `${name}.up_proj`, false));
  return g.within('down_proj', () => L.linear(g.op('Mul', [act, up]), hidden, outDim, `${name}.down_proj`, false));
}

// ---------- presets ----------

interface PresetSpec {
  /** Vision encoder and whatever the model does before the connector; returns the connector's input. */
  encoder(c: Ctx, pixels: string): string;
  /** The connector, inside its module; returns its output. */
  connector(c: Ctx, pre: string): string;
  readonly preDims: readonly Dim[];
  readonly postDims: readonly Dim[];
  /** The connector's module path, as findConnectorBoundary should report it. */
  scope(style: ExportStyle): string;
}

const SPECS: Readonly<Record<Preset, PresetSpec>> = {
  llava: {
    encoder(c, pixels) {
      const { g, L } = c;
      const penultimate = top(c, 'vision_tower', () =>
        g.within('vision_model', () => {
          let x = g.within('pre_layrnorm', () => L.layerNorm(embeddings(c, pixels, true, 'vision_model.embeddings', VISION), DIM, 'vision_model.pre_layrnorm'));
          const hidden: string[] = [x];
          g.within('encoder', () => {
            for (let i = 0; i < 3; i++) hidden.push((x = g.within(`layers.${i}`, () => encoderLayer(c, x, `vision_model.encoder.layers.${i}`, VISION))));
          });
          // The pooled output: post_layernorm on CLS. LLaVA does not use it; the export keeps it dangling.
          const cls = g.op('Gather', [x, g.int64Init(g.fresh('cls_index'), [0])], { axis: 1 });
          g.within('post_layernorm', () => L.layerNorm(cls, DIM, 'vision_model.post_layernorm'));
          return hidden[hidden.length - 2]!;
        }),
      );
      // LlavaModel.get_image_features: hidden_states[-2][:, 1:] (vision_feature_select_strategy "default").
      const slice = () =>
        g.op('Slice', [
          penultimate,
          g.int64Init(g.fresh('starts'), [1]),
          g.int64Init(g.fresh('ends'), [Number.MAX_SAFE_INTEGER]),
          g.int64Init(g.fresh('axes'), [1]),
        ]);
      return atModel(c, slice);
    },
    connector(c, pre) {
      const { g, L } = c;
      return top(c, c.style === 'builder' ? 'multimodal_projector' : 'multi_modal_projector', () => {
        const h = g.within('linear_1', () => L.linear(pre, DIM, D_LLM, 'multi_modal_projector.linear_1'));
        const a = g.within('act', () => L.gelu(h));
        const y = g.within('linear_2', () => L.linear(a, D_LLM, D_LLM, 'multi_modal_projector.linear_2'));
        return g.op('Identity', [y], {}, POST_NAME);
      });
    },
    preDims: ['batch', TOKENS, DIM],
    postDims: ['batch', TOKENS, D_LLM],
    scope: (style) => scopeName(style, [style === 'builder' ? 'multimodal_projector' : 'multi_modal_projector']),
  },

  qwen2vl: {
    encoder(c, pixels) {
      const { g, L } = c;
      return top(c, 'visual', () => {
        let x = g.within('patch_embed', () => {
          const kernel = g.floatInit(
            'visual.patch_embed.proj.weight',
            [DIM, 3, PATCH, PATCH],
            L.uniform(DIM * 3 * PATCH * PATCH, Math.sqrt(6 / (3 * PATCH * PATCH + DIM))),
          );
          const conv = g.within('proj', () => g.op('Conv', [pixels, kernel], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] }));
          return L.transpose(L.reshape(conv, [0, DIM, TOKENS]), [0, 2, 1]);
        });
        for (let i = 0; i < 2; i++) {
          x = g.within(`blocks.${i}`, () => {
            const attn = g.within('attn', () => {
              const n = g.within('norm1', () => L.layerNorm(x, DIM, `visual.blocks.${i}.norm1`));
              return L.attention(n, n, DIM, HEADS, `visual.blocks.${i}.attn`);
            });
            const h = g.op('Add', [x, attn]);
            const n2 = g.within('norm2', () => L.layerNorm(h, DIM, `visual.blocks.${i}.norm2`));
            return g.op('Add', [h, g.within('mlp', () => L.mlp(n2, DIM, MLP, DIM, `visual.blocks.${i}.mlp`))]);
          });
        }
        return x;
      });
    },
    connector(c, pre) {
      const { g, L } = c;
      return top(c, 'visual', () => {
        // Shape arithmetic done in `visual`, outside the merger, that the merger consumes: not an activation.
        const batch = batchOf(c, pre);
        return g.within('merger', () => {
          const normed = g.within('ln_q', () => L.layerNorm(pre, DIM, 'visual.merger.ln_q'));
          const h = GRID / 2;
          const blocks = reshapeBatch(c, L.transpose(L.reshape(normed, [0, h, 2, h, 2, DIM]), [0, 1, 3, 2, 4, 5]), batch, [h * h, 4 * DIM]);
          const y = g.within('mlp', () => {
            const a = g.within('0', () => L.linear(blocks, 4 * DIM, 4 * DIM, 'visual.merger.mlp.0'));
            const b = g.within('1', () => L.gelu(a));
            return g.within('2', () => L.linear(b, 4 * DIM, D_LLM, 'visual.merger.mlp.2'));
          });
          return g.op('Identity', [y], {}, POST_NAME);
        });
      });
    },
    preDims: ['batch', TOKENS, DIM],
    postDims: ['batch', TOKENS / 4, D_LLM],
    scope: (style) => scopeName(style, ['visual', 'merger']),
  },

  smolvlm: {
    encoder: (c, pixels) => siglip(c, pixels),
    connector(c, pre) {
      const { g, L } = c;
      return top(c, 'connector', () => {
        const r = SHUFFLE;
        const x = pixelShuffle(c, pre, GRID, DIM, r);
        const y = g.within('modality_projection', () => g.within('proj', () => L.linear(x, DIM * r * r, D_LLM, 'connector.modality_projection.proj', false)));
        return g.op('Identity', [y], {}, POST_NAME);
      });
    },
    preDims: ['batch', TOKENS, DIM],
    postDims: ['batch', TOKENS / (SHUFFLE * SHUFFLE), D_LLM],
    scope: (style) => scopeName(style, ['connector']),
  },

  idefics2: {
    encoder: (c, pixels) => siglip(c, pixels),
    connector(c, pre) {
      const { g, L } = c;
      return top(c, 'connector', () => {
        const context = g.within('modality_projection', () => gatedMlp(c, pre, DIM, MLP, D_LLM, 'connector.modality_projection'));
        const y = g.within('perceiver_resampler', () => {
          // latents.unsqueeze(0).expand(batch, n_latents, d): batch read from the context's shape.
          const latents0 = g.floatInit('connector.perceiver_resampler.latents', [LATENTS, D_LLM], L.uniform(LATENTS * D_LLM, 1));
          let latents = g.op('Expand', [latents0, g.op('Concat', [batchOf(c, context), g.int64Init(g.fresh('latent_dims'), [LATENTS, D_LLM])], { axis: 0 })]);
          g.within('layers.0', () => {
            const p = 'connector.perceiver_resampler.layers.0';
            const nl = g.within('input_latents_norm', () => rmsNorm(c, latents, D_LLM, `${p}.input_latents_norm`));
            const nc = g.within('input_context_norm', () => rmsNorm(c, context, D_LLM, `${p}.input_context_norm`));
            const kv = g.within('self_attn', () => g.op('Concat', [nc, nl], { axis: 1 }));
            const attn = g.within('self_attn', () => attentionNoBias(c, nl, kv, D_LLM, HEADS, `${p}.self_attn`));
            latents = g.op('Add', [latents, attn]);
            const n2 = g.within('post_attention_layernorm', () => rmsNorm(c, latents, D_LLM, `${p}.post_attention_layernorm`));
            latents = g.op('Add', [latents, g.within('mlp', () => gatedMlp(c, n2, D_LLM, MLP, D_LLM, `${p}.mlp`))]);
          });
          return g.within('norm', () => rmsNorm(c, latents, D_LLM, 'connector.perceiver_resampler.norm'));
        });
        return g.op('Identity', [y], {}, POST_NAME);
      });
    },
    preDims: ['batch', TOKENS, DIM],
    postDims: ['batch', LATENTS, D_LLM],
    scope: (style) => scopeName(style, ['connector']),
  },
};

/** SigLIP: no CLS, 2 layers, post_layernorm; last_hidden_state is what Idefics2/3 connectors take. */
function siglip(c: Ctx, pixels: string): string {
  return top(c, 'vision_model', () => siglipTower(c, pixels, VISION).lastHiddenState);
}

// ---------- the fixtures ----------

const ENCODER_SEED = 7001;
const CONNECTOR_SEED = 7002;

export interface VlmFixture {
  readonly preset: Preset;
  readonly style: ExportStyle;
  /** pixels -> image_features, with the connector inside, as stock exports ship. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The tensor the connector consumes (what a hook on its input sees), by construction. */
  readonly pre: string;
  readonly post: string;
  readonly scope: string;
  readonly preDims: readonly Dim[];
  readonly postDims: readonly Dim[];
}

/**
 * The whole model. The TorchScript and dynamo fixtures declare the boundary's shape (value_info),
 * as those exporters do; the builder fixture leaves it out (the real builder declares it) so the
 * unknown-shape path is tested too.
 */
export function vlmFixture(preset: Preset, style: ExportStyle): VlmFixture {
  const spec = SPECS[preset];
  const c = context(`${preset}_${style}`, style);
  const pixels = c.g.input(PIXELS.name, ['batch', 3, IMAGE, IMAGE]);
  c.use(seededRandom(ENCODER_SEED));
  const pre = spec.encoder(c, pixels);
  c.use(seededRandom(CONNECTOR_SEED));
  const post = spec.connector(c, pre);
  c.g.output(post, spec.postDims);
  if (style !== 'builder') c.g.valueInfo(pre, spec.preDims);
  return { preset, style, bytes: plain(c.g.toBytes()), pre, post, scope: spec.scope(style), preDims: spec.preDims, postDims: spec.postDims };
}

/** The encoder alone, same weights: pixels -> the connector's input, as its only output. */
export function encoderPart(preset: Preset): { readonly bytes: Uint8Array<ArrayBuffer>; readonly output: string } {
  const spec = SPECS[preset];
  const c = context(`${preset}_encoder`, 'torchscript');
  const pixels = c.g.input(PIXELS.name, ['batch', 3, IMAGE, IMAGE]);
  c.use(seededRandom(ENCODER_SEED));
  const pre = spec.encoder(c, pixels);
  c.g.output(pre, spec.preDims);
  return { bytes: plain(c.g.toBytes()), output: pre };
}

/** The connector alone, same weights: pre-projection tokens -> image_features. */
export function connectorPart(preset: Preset): { readonly bytes: Uint8Array<ArrayBuffer>; readonly input: string; readonly output: string } {
  const spec = SPECS[preset];
  const c = context(`${preset}_connector`, 'torchscript');
  const input = c.g.input('pre_tokens', spec.preDims);
  c.use(seededRandom(CONNECTOR_SEED));
  const post = spec.connector(c, input);
  c.g.output(post, spec.postDims);
  return { bytes: plain(c.g.toBytes()), input, output: post };
}
