/**
 * Small stand-ins for the stock Hugging Face transformers.js exports of three vision-language
 * models: the repo files the app opens (onnx/vision_encoder.onnx, config.json,
 * preprocessor_config.json), with the real interfaces (input names, ranks and types, the graph's
 * single output `image_features` already post-projection, the connector inside) and the real
 * connector ops, at small sizes with seeded weights. Deterministic: same arguments, same bytes.
 *
 * - smolvlm (Idefics3): pixel_values [1, N, 3, 64, 64] and a bool pixel_attention_mask
 *   [1, N, 64, 64] that zeroes padded pixels; SigLIP (patch 8, 8 x 8 grid, post_layernorm), then
 *   `connector` = pixel shuffle x4 and modality_projection.proj, flattened to [N * 4, d];
 * - qwen2vl (Qwen2-VL): patchified pixel_values [P, 1176] and grid_thw [N, 3] (int64, the patch
 *   count is read from it); patch embedding as a MatMul, 2 ViT blocks on [P, d], then
 *   `visual.merger` = ln_q, 4 consecutive patches as one row, Linear-GELU-Linear -> [P / 4, d];
 * - llava-interleave (LLaVA with SigLIP, vision_feature_layer -1, strategy "full"): pixel_values
 *   [B, 3, 64, 64]; the last encoder layer's output (post_layernorm left dangling) goes to
 *   `multi_modal_projector` = Linear-GELU-Linear -> [B, 64, d].
 *
 * Each in the three naming styles of vlmFixtures.ts. With fp16 the float input(s) are declared
 * float16 and cast to float32 first, and image_features is cast to float16 last (inside the
 * connector, whose output it stays): the interface of a transformers.js fp16 export.
 */
import { encoderPath } from '../../src/core/hub/variants.ts';
import type { Dim } from '../../scripts/onnx/graphBuilder.ts';
import { onnx } from '../../scripts/onnx/proto.ts';
import type { ExportStyle } from '../../src/core/onnx/scope.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { ConnectorSpec } from '../../src/core/types.ts';
import { atModel, context, pixelShuffle, plain, scopeName, siglipTower, top, type Ctx, type VisionSize } from './vlmBlocks.ts';

export type StockKind = 'smolvlm' | 'qwen2vl' | 'llava-interleave';
export const STOCK_KINDS: readonly StockKind[] = ['smolvlm', 'qwen2vl', 'llava-interleave'];

export interface StockFixture {
  readonly kind: StockKind;
  readonly style: ExportStyle;
  /** Repo-relative path -> bytes: 'onnx/vision_encoder.onnx' (or 'onnx/vision_encoder_fp16.onnx'), 'config.json', 'preprocessor_config.json'. */
  readonly files: ReadonlyMap<string, Uint8Array<ArrayBuffer>>;
  readonly encoderPath: string;
  /** The tensor entering the connector, by construction. */
  readonly pre: string;
  readonly post: 'image_features';
  /** The connector's module path as findConnectorBoundary reports it ("connector", "model/visual/merger", ...). */
  readonly scope: string;
  /** Declared dims of `pre` (value_info; the builder style leaves it out) and of image_features. */
  readonly preDims: readonly Dim[];
  readonly postDims: readonly Dim[];
  /** Patch rows, cols at the analysis size. */
  readonly grid: readonly [number, number];
  /** Side of the square image the encoder sees at analysis. */
  readonly imageSize: number;
  /** Per image. */
  readonly tokens: { readonly pre: number; readonly dPre: number; readonly post: number; readonly dPost: number };
  readonly connector: ConnectorSpec;
}

const T = onnx.TensorProto.DataType;
const POST = 'image_features' as const;

/** Vision width, heads and MLP width of every stand-in. */
const DIM = 16;
const HEADS = 2;
const MLP = 32;
/** SigLIP at 64 x 64 with patch 8 (SmolVLM and LLaVA-Interleave). */
const SIGLIP_IMAGE = 64;
const SIGLIP: VisionSize = { dim: DIM, heads: HEADS, mlp: MLP, patch: 8, grid: SIGLIP_IMAGE / 8, layers: 2 };
const SHUFFLE = 4;
/** Qwen2-VL: patch 14, 2 frames, 2 x 2 merge, analysed at 336 x 336. */
const QWEN = { patch: 14, temporal: 2, merge: 2, depth: 2, imageSize: 336 } as const;
const QWEN_ROW = 3 * QWEN.temporal * QWEN.patch * QWEN.patch;

/** The language model's width: what image_features has per token. */
const D_POST: Readonly<Record<StockKind, number>> = { smolvlm: 24, qwen2vl: 32, 'llava-interleave': 40 };
const SEEDS: Readonly<Record<StockKind, readonly [encoder: number, connector: number]>> = {
  smolvlm: [7101, 7102],
  qwen2vl: [7201, 7202],
  'llava-interleave': [7301, 7302],
};

/** 1/255 as transformers writes it into preprocessor configs. */
const RESCALE = 0.00392156862745098;

interface Io {
  readonly fp16: boolean;
}

/** A float graph input: float16 in an fp16 export, cast to float32 before anything uses it. */
function floatInput(c: Ctx, io: Io, name: string, dims: readonly Dim[]): string {
  if (!io.fp16) return c.g.input(name, dims);
  c.g.input(name, dims, T.FLOAT16);
  return c.g.op('Cast', [name], { to: T.FLOAT });
}

/** The connector's last node, producing image_features (float16 in an fp16 export). */
const finish = (c: Ctx, io: Io, y: string): string => (io.fp16 ? c.g.op('Cast', [y], { to: T.FLOAT16 }, POST) : c.g.op('Identity', [y], {}, POST));

interface KindSpec {
  /** Declares the inputs, builds encoder and connector; returns the connector's input. */
  build(c: Ctx, io: Io, dPost: number, seeds: readonly [number, number]): string;
  readonly preDims: readonly Dim[];
  postDims(dPost: number): readonly Dim[];
  scope(style: ExportStyle): string;
  readonly grid: readonly [number, number];
  readonly imageSize: number;
  tokens(dPost: number): StockFixture['tokens'];
  readonly connector: ConnectorSpec;
  config(dPost: number): unknown;
  readonly preprocessor: unknown;
}

/** Qwen2-VL's vision attention on [P, d] (all patches one sequence): fused qkv, heads, proj. */
function attention2d(c: Ctx, x: string, dim: number, heads: number, name: string): string {
  const { g, L } = c;
  const head = dim / heads;
  const qkv = g.within('qkv', () => L.linear(x, dim, 3 * dim, `${name}.qkv`));
  // qkv.reshape(seq, 3, heads, head).permute(1, 0, 2, 3), heads before the sequence: [3, heads, seq, head].
  const parts = L.transpose(L.reshape(qkv, [-1, 3, heads, head]), [1, 2, 0, 3]);
  const [q, k, v] = g.node('Split', [parts, g.int64Init(g.fresh('qkv_split'), [1, 1, 1])], 3, { axis: 0 }) as [string, string, string];
  const scores = g.op('Mul', [g.op('MatMul', [q, L.transpose(k, [0, 1, 3, 2])]), L.constant(`attn_scale_${head}`, 1 / Math.sqrt(head))]);
  const weights = g.op('Softmax', [scores], { axis: -1 });
  const merged = L.reshape(L.transpose(g.op('MatMul', [weights, v]), [0, 2, 1, 3]), [-1, dim]);
  return g.within('proj', () => L.linear(merged, dim, dim, `${name}.proj`));
}

const SPECS: Readonly<Record<StockKind, KindSpec>> = {
  smolvlm: {
    build(c, io, dPost, [encoderSeed, connectorSeed]) {
      const { g, L } = c;
      const s = SIGLIP_IMAGE;
      const pixels = floatInput(c, io, 'pixel_values', [1, 'num_images', 3, s, s]);
      const mask = g.input('pixel_attention_mask', [1, 'num_images', s, s], T.BOOL);
      c.use(seededRandom(encoderSeed));
      // Padded pixels are zeroed by the mask, then the images are one batch: [num_images, 3, s, s].
      const images = atModel(c, () => {
        const perPixel = g.op('Unsqueeze', [g.op('Cast', [mask], { to: T.FLOAT }), g.int64Init(g.fresh('channel_axis'), [2])]);
        return L.reshape(g.op('Mul', [pixels, perPixel]), [-1, 3, s, s]);
      });
      const pre = top(c, 'vision_model', () => siglipTower(c, images, SIGLIP).lastHiddenState);
      c.use(seededRandom(connectorSeed));
      top(c, 'connector', () => {
        const r = SHUFFLE;
        const x = pixelShuffle(c, pre, SIGLIP.grid, DIM, r);
        const y = g.within('modality_projection', () => g.within('proj', () => L.linear(x, DIM * r * r, dPost, 'connector.modality_projection.proj', false)));
        // Every image's tokens in one list, as the export hands them to the language model.
        return finish(c, io, L.reshape(y, [-1, dPost]));
      });
      return pre;
    },
    preDims: ['num_images', SIGLIP.grid * SIGLIP.grid, DIM],
    postDims: (dPost) => ['num_tokens', dPost],
    scope: (style) => scopeName(style, ['connector']),
    grid: [SIGLIP.grid, SIGLIP.grid],
    imageSize: SIGLIP_IMAGE,
    tokens: (dPost) => ({ pre: SIGLIP.grid * SIGLIP.grid, dPre: DIM, post: (SIGLIP.grid * SIGLIP.grid) / (SHUFFLE * SHUFFLE), dPost }),
    connector: { family: 'pixel-shuffle', scale: SHUFFLE },
    config: (dPost) => ({
      model_type: 'idefics3',
      scale_factor: SHUFFLE,
      vision_config: { model_type: 'idefics3_vision', image_size: SIGLIP_IMAGE, patch_size: SIGLIP.patch, hidden_size: DIM },
      text_config: { hidden_size: dPost },
    }),
    preprocessor: {
      image_processor_type: 'Idefics3ImageProcessor',
      do_resize: true,
      size: { longest_edge: SIGLIP_IMAGE },
      max_image_size: { longest_edge: SIGLIP_IMAGE },
      do_image_splitting: true,
      resample: 1,
      do_rescale: true,
      rescale_factor: RESCALE,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    },
  },

  qwen2vl: {
    build(c, io, dPost, [encoderSeed, connectorSeed]) {
      const { g, L } = c;
      const pixels = floatInput(c, io, 'pixel_values', ['num_patches', QWEN_ROW]);
      const gridThw = g.input('grid_thw', ['num_images', 3], T.INT64);
      c.use(seededRandom(encoderSeed));
      const pre = top(c, 'visual', () => {
        // t * h * w patches per image, summed: pixel_values must hold exactly that many rows.
        const perImage = g.op('ReduceProd', [gridThw], { axes: [1], keepdims: 0 });
        const count = g.op('ReduceSum', [perImage], { keepdims: 1 });
        const rowsShape = g.op('Concat', [count, g.int64Init(g.fresh('row_length'), [-1])], { axis: 0 });
        for (const [name, dims] of [
          [perImage, ['num_images']],
          [count, [1]],
          [rowsShape, [2]],
        ] as const)
          g.valueInfo(name, dims, T.INT64);
        const rows = g.op('Reshape', [pixels, rowsShape]);
        // Conv3d with stride = kernel on the processor's (channel, time, y, x) rows is this MatMul.
        let x = g.within('patch_embed', () => g.within('proj', () => L.linear(rows, QWEN_ROW, DIM, 'visual.patch_embed.proj', false)));
        for (let i = 0; i < QWEN.depth; i++) {
          x = g.within(`blocks.${i}`, () => {
            const n1 = g.within('norm1', () => L.layerNorm(x, DIM, `visual.blocks.${i}.norm1`));
            const h = g.op('Add', [x, g.within('attn', () => attention2d(c, n1, DIM, HEADS, `visual.blocks.${i}.attn`))]);
            const n2 = g.within('norm2', () => L.layerNorm(h, DIM, `visual.blocks.${i}.norm2`));
            return g.op('Add', [h, g.within('mlp', () => L.mlp(n2, DIM, MLP, DIM, `visual.blocks.${i}.mlp`))]);
          });
        }
        return x;
      });
      c.use(seededRandom(connectorSeed));
      const m2 = QWEN.merge * QWEN.merge;
      top(c, 'visual', () =>
        g.within('merger', () => {
          const normed = g.within('ln_q', () => L.layerNorm(pre, DIM, 'visual.merger.ln_q'));
          // The processor already lists each 2 x 2 merge window's patches consecutively: a plain view.
          const merged = L.reshape(normed, [-1, m2 * DIM]);
          const y = g.within('mlp', () => {
            const a = g.within('0', () => L.linear(merged, m2 * DIM, m2 * DIM, 'visual.merger.mlp.0'));
            const b = g.within('1', () => L.gelu(a));
            return g.within('2', () => L.linear(b, m2 * DIM, dPost, 'visual.merger.mlp.2'));
          });
          return finish(c, io, y);
        }),
      );
      return pre;
    },
    preDims: ['num_patches', DIM],
    postDims: (dPost) => ['num_patches/4', dPost],
    scope: (style) => scopeName(style, ['visual', 'merger']),
    grid: [QWEN.imageSize / QWEN.patch, QWEN.imageSize / QWEN.patch],
    imageSize: QWEN.imageSize,
    tokens: (dPost) => {
      const pre = (QWEN.imageSize / QWEN.patch) ** 2;
      return { pre, dPre: DIM, post: pre / (QWEN.merge * QWEN.merge), dPost };
    },
    connector: { family: 'merger', mergeSize: QWEN.merge },
    config: (dPost) => ({
      model_type: 'qwen2_vl',
      vision_config: {
        depth: QWEN.depth,
        embed_dim: DIM,
        hidden_size: dPost,
        patch_size: QWEN.patch,
        spatial_merge_size: QWEN.merge,
        temporal_patch_size: QWEN.temporal,
      },
    }),
    preprocessor: {
      image_processor_type: 'Qwen2VLImageProcessor',
      min_pixels: 3136,
      max_pixels: 12845056,
      patch_size: QWEN.patch,
      temporal_patch_size: QWEN.temporal,
      merge_size: QWEN.merge,
      resample: 3,
      do_rescale: true,
      rescale_factor: RESCALE,
      do_normalize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
    },
  },

  'llava-interleave': {
    build(c, io, dPost, [encoderSeed, connectorSeed]) {
      const { g, L } = c;
      const pixels = floatInput(c, io, 'pixel_values', ['batch_size', 3, SIGLIP_IMAGE, SIGLIP_IMAGE]);
      c.use(seededRandom(encoderSeed));
      // hidden_states[-1] (vision_feature_layer -1), all tokens ("full"): the last layer's output,
      // before post_layernorm, which the export keeps dangling.
      const pre = top(c, 'vision_tower', () => g.within('vision_model', () => siglipTower(c, pixels, SIGLIP).lastLayer));
      c.use(seededRandom(connectorSeed));
      top(c, c.style === 'builder' ? 'multimodal_projector' : 'multi_modal_projector', () => {
        const h = g.within('linear_1', () => L.linear(pre, DIM, dPost, 'multi_modal_projector.linear_1'));
        const a = g.within('act', () => L.gelu(h));
        return finish(
          c,
          io,
          g.within('linear_2', () => L.linear(a, dPost, dPost, 'multi_modal_projector.linear_2')),
        );
      });
      return pre;
    },
    preDims: ['batch_size', SIGLIP.grid * SIGLIP.grid, DIM],
    postDims: (dPost) => ['batch_size', SIGLIP.grid * SIGLIP.grid, dPost],
    scope: (style) => scopeName(style, [style === 'builder' ? 'multimodal_projector' : 'multi_modal_projector']),
    grid: [SIGLIP.grid, SIGLIP.grid],
    imageSize: SIGLIP_IMAGE,
    tokens: (dPost) => ({ pre: SIGLIP.grid * SIGLIP.grid, dPre: DIM, post: SIGLIP.grid * SIGLIP.grid, dPost }),
    connector: { family: 'mlp' },
    config: (dPost) => ({
      model_type: 'llava',
      vision_feature_layer: -1,
      vision_feature_select_strategy: 'full',
      vision_config: { model_type: 'siglip_vision_model', image_size: SIGLIP_IMAGE, patch_size: SIGLIP.patch, hidden_size: DIM },
      text_config: { model_type: 'qwen2', hidden_size: dPost },
    }),
    preprocessor: {
      image_processor_type: 'SiglipImageProcessor',
      do_resize: true,
      size: { height: SIGLIP_IMAGE, width: SIGLIP_IMAGE },
      resample: 3,
      do_rescale: true,
      rescale_factor: RESCALE,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    },
  },
};

const json = (value: unknown): Uint8Array<ArrayBuffer> => plain(new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));

/**
 * One kind's repo files. The TorchScript and dynamo graphs declare the boundary's shape
 * (value_info), as those exporters do; the builder graph leaves it out, as in vlmFixtures.
 */
export function stockFixture(kind: StockKind, options: { readonly style?: ExportStyle; readonly fp16?: boolean } = {}): StockFixture {
  const style = options.style ?? 'torchscript';
  const io: Io = { fp16: options.fp16 ?? false };
  const spec = SPECS[kind];
  const dPost = D_POST[kind];
  const c = context(`${kind}_vision_encoder_${style}${io.fp16 ? '_fp16' : ''}`, style);
  const pre = spec.build(c, io, dPost, SEEDS[kind]);
  const postDims = spec.postDims(dPost);
  c.g.output(POST, postDims, io.fp16 ? T.FLOAT16 : T.FLOAT);
  if (style !== 'builder') c.g.valueInfo(pre, spec.preDims);
  const path = encoderPath(io.fp16 ? 'fp16' : 'fp32');
  const files = new Map<string, Uint8Array<ArrayBuffer>>([
    [path, plain(c.g.toBytes())],
    ['config.json', json(spec.config(dPost))],
    ['preprocessor_config.json', json(spec.preprocessor)],
  ]);
  return {
    kind,
    style,
    files,
    encoderPath: path,
    pre,
    post: POST,
    scope: spec.scope(style),
    preDims: spec.preDims,
    postDims,
    grid: spec.grid,
    imageSize: spec.imageSize,
    tokens: spec.tokens(dPost),
    connector: spec.connector,
  };
}
