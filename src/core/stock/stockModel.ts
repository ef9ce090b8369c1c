/**
 * A stock export (a vision encoder with the connector inside, plus config.json and
 * preprocessor_config.json) as the analysis sees a pack: which processor prepares its images,
 * and, from one tapped run, how many tokens of what width enter and leave the connector, on what
 * patch grid, with which connector geometry. The result is a PackManifest, so everything
 * downstream (KNOR, reconstruction, heatmaps) treats the model like any pack.
 */
import { UserFacingError } from '../errors.ts';
import { postTokenCount, type Grid } from '../geometry/connectorGeometry.ts';
import { formatShape } from '../onnx/candidates.ts';
import { attentionWindowsOf, type AttentionWindows } from './attentionWindows.ts';
import { modelTypeOf } from './stockFiles.ts';
import { QWEN2VL_ANALYSIS_SIZE, withFixedSize } from '../image/processors/encoderInputs.ts';
import { parseProcessorConfig, processorFromType, type ProcessorConfig, type ProcessorName } from '../image/processors/processorConfig.ts';
import { CONNECTORS, type ConnectorFamily } from '../connectors/registry.ts';
import type { ConnectorSpec, PackManifest, PreprocessSpec } from '../types.ts';

type Json = { readonly [key: string]: unknown };
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export interface StockDescription {
  readonly processor: ProcessorConfig;
  /** "the SigLIP processor", for messages. */
  readonly processorLabel: string;
  /** config.json's model_type, e.g. "idefics3"; null when there is no config.json. */
  readonly modelType: string | null;
  /** The connector family the model type implies (its module's stock.modelTypes); null when the model type is not one we know. */
  readonly familyHint: ConnectorFamily | null;
  /** Qwen2.5-VL's attention windows (the tower runs its merge blocks window by window); null for other models. */
  readonly attentionWindows: AttentionWindows | null;
}

const PROCESSOR_LABELS: Readonly<Record<ProcessorName, string>> = {
  clip: 'the CLIP processor',
  siglip: 'the SigLIP processor',
  'llava-onevision': 'the LLaVA-OneVision processor',
  idefics2: 'the Idefics2 processor',
  idefics3: 'the Idefics3 (SmolVLM) processor',
  'qwen2-vl': 'the Qwen2-VL processor',
};

/** The processor a model type uses when preprocessor_config.json does not name its own. */
function processorForModel(config: Json | null): ProcessorName | undefined {
  const type = str(config?.model_type);
  if (type === 'idefics2') return 'idefics2';
  if (type === 'llava_onevision') return 'llava-onevision';
  if (type === 'idefics3' || type === 'smolvlm') return 'idefics3';
  if (type === 'qwen2_vl' || type === 'qwen2_5_vl') return 'qwen2-vl';
  const vision = isObj(config?.vision_config) ? str(config.vision_config.model_type) : null;
  if (type?.startsWith('llava') || type === 'clip' || type === 'siglip') return (vision ?? type)?.includes('siglip') ? 'siglip' : 'clip';
  return undefined;
}

/**
 * Read the two config files (outside data). Qwen2-VL is analysed at the fixed 336 x 336 of the
 * paper, so every image has one grid; the other processors make one fixed size by themselves
 * (Idefics3 with image splitting off: one global image).
 */
export function describeStock(config: unknown, preprocessor: unknown): StockDescription {
  if (config !== null && !isObj(config)) throw new UserFacingError('config.json is not a JSON object. Take it from the model’s repo again.');
  if (!isObj(preprocessor))
    throw new UserFacingError(
      'preprocessor_config.json is missing or not a JSON object. Choose it with the model: it says how images are prepared for the encoder.',
    );
  const named = processorFromType(preprocessor.image_processor_type);
  const parsed = parseProcessorConfig(preprocessor, named === null ? processorForModel(config) : undefined);
  if (!parsed.ok) throw new UserFacingError(`The model's preprocessor_config.json cannot be used: ${parsed.errors.join('; ')}.`);
  const processor = parsed.config.processor === 'qwen2-vl' ? withFixedSize(parsed.config, QWEN2VL_ANALYSIS_SIZE, QWEN2VL_ANALYSIS_SIZE) : parsed.config;
  const modelType = modelTypeOf(config);
  return {
    processor,
    processorLabel: PROCESSOR_LABELS[processor.processor],
    modelType,
    familyHint: modelType === null ? null : CONNECTORS.familyOfModelType(modelType),
    attentionWindows: attentionWindowsOf(config),
  };
}

// ---------- tokens, grid and connector from one run ----------

export interface TokenLayout {
  readonly tokens: PackManifest['tokens'];
  readonly grid: Grid;
  /** Side of the square image the encoder saw, and its patch side (imageSize / grid side, floored). */
  readonly imageSize: number;
  readonly patchSize: number;
  readonly connector: ConnectorSpec;
  /**
   * Qwen2-VL's processor lists patches by merge window (patchify.ts); the pre tokens come out in
   * that order and are put back in row-major order (rasterFromMergeWindows). null: already raster.
   */
  readonly mergeWindows: number | null;
}

/** Tokens and width of one image's tensor: the last axis is the width, the others multiply into tokens. */
function tokensOf(dims: readonly number[], role: string, name: string): { readonly tokens: number; readonly width: number } {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserFacingError(
      `The ${role} tensor "${name}" has shape ${formatShape(dims)}; it needs tokens and a width ([tokens, width], with any leading axes of 1). Pick another tensor.`,
    );
  }
  const width = dims.at(-1)!;
  return { tokens: dims.slice(0, -1).reduce((a, b) => a * b, 1), width };
}

const isqrt = (n: number) => {
  const r = Math.round(Math.sqrt(n));
  return r * r === n ? r : null;
};

export interface TappedDims {
  readonly pre: { readonly name: string; readonly dims: readonly number[] };
  readonly post: { readonly name: string; readonly dims: readonly number[] };
  /** The image the encoder saw. */
  readonly seen: { readonly width: number; readonly height: number };
}

/** From one image's tapped run to the geometry the analysis needs; refuses tensors that are not a patch grid. */
export function tokenLayout(run: TappedDims, description: StockDescription): TokenLayout {
  const pre = tokensOf(run.pre.dims, 'pre-projection', run.pre.name);
  const post = tokensOf(run.post.dims, 'post-projection', run.post.name);
  const { width, height } = run.seen;
  if (width !== height)
    throw new UserFacingError(
      `${description.processorLabel} made a ${width} x ${height} image; the analysis needs square images (one patch grid for all). Use a square size in preprocessor_config.json.`,
    );
  const side = isqrt(pre.tokens);
  if (side === null) {
    const cls = isqrt(pre.tokens - 1) !== null ? ` (${pre.tokens - 1} patches and one more: probably a CLS token)` : '';
    throw new UserFacingError(
      `The pre-projection tensor "${run.pre.name}" has ${pre.tokens} tokens, which is not a square grid of patches${cls}. Pick the tensor the connector takes, one token per patch.`,
    );
  }
  const grid: Grid = [side, side];
  const processor = description.processor;
  const mergeWindows = processor.processor === 'qwen2-vl' ? processor.mergeSize : null;
  // The model type's family when its geometry fits the counts, else the families' own readings (core/connectors).
  const connector = CONNECTORS.specFromTokens(description.familyHint, grid, pre.tokens, post.tokens);
  // Sanity: the geometry must give back the post token count it was made from.
  if (postTokenCount(connector, grid) !== post.tokens)
    throw new Error(`connector geometry ${connector.family} on [${grid.join(', ')}] does not give ${post.tokens} tokens`);
  return {
    tokens: { pre: pre.tokens, dPre: pre.width, post: post.tokens, dPost: post.width },
    grid,
    imageSize: width,
    patchSize: Math.floor(width / side),
    connector,
    mergeWindows,
  };
}

/**
 * Row-major patch order from Qwen2-VL's merge-window order: window row, window col, then row and
 * col inside the m x m window (patchify.ts). `data` is [T, width].
 */
export function rasterFromMergeWindows(data: Float32Array, grid: Grid, merge: number, width: number): Float32Array {
  const [rows, cols] = grid;
  if (data.length !== rows * cols * width) throw new RangeError(`expected ${rows * cols * width} values for [${rows * cols}, ${width}], got ${data.length}`);
  if (rows % merge !== 0 || cols % merge !== 0) throw new RangeError(`grid [${rows}, ${cols}] is not divisible by the merge size ${merge}`);
  const out = new Float32Array(data.length);
  const windowCols = cols / merge;
  let row = 0;
  for (let wr = 0; wr < rows / merge; wr++)
    for (let wc = 0; wc < windowCols; wc++)
      for (let mr = 0; mr < merge; mr++)
        for (let mc = 0; mc < merge; mc++) {
          const raster = (wr * merge + mr) * cols + wc * merge + mc;
          out.set(data.subarray(row * width, (row + 1) * width), raster * width);
          row++;
        }
  return out;
}

// ---------- the manifest ----------

/** The closest PreprocessSpec, for display: the processor itself (encoderInputs) prepares the images. */
function preprocessSpecOf(p: ProcessorConfig): PreprocessSpec {
  const resample = p.resample === 'bilinear' || p.resample === 'nearest' ? p.resample : 'bicubic';
  const clipShortest = p.processor === 'clip' && 'shortestEdge' in p.size;
  return {
    resize: clipShortest ? 'shortest-edge' : 'stretch',
    crop: p.processor === 'clip' && p.doCenterCrop ? 'center' : 'none',
    resample,
    rescale: p.doRescale ? p.rescaleFactor : 1,
    mean: p.doNormalize ? p.mean : [0, 0, 0],
    std: p.doNormalize ? p.std : [1, 1, 1],
  };
}

export interface StockSource {
  /** Where the embeddings are filed (per model and tap). */
  readonly id: string;
  /** "HuggingFaceTB/SmolVLM-256M-Instruct (fp16)" or the file name. */
  readonly name: string;
  readonly encoderFile: string;
  readonly origin: string;
  readonly inputName: string;
}

export function stockManifest(
  layout: TokenLayout,
  description: StockDescription,
  source: StockSource,
  tap: { readonly pre: string; readonly post: string },
): PackManifest {
  return {
    formatVersion: 1,
    id: source.id,
    name: source.name,
    description: `A stock export opened tapped: pre-projection tokens are "${tap.pre}", post-projection "${tap.post}". Images are prepared by ${description.processorLabel}.`,
    image: { size: layout.imageSize, patchSize: layout.patchSize, grid: [layout.grid[0], layout.grid[1]] },
    tokens: layout.tokens,
    connector: layout.connector,
    preprocess: preprocessSpecOf(description.processor),
    files: { encoder: source.encoderFile, connector: source.encoderFile },
    io: { encoderInput: source.inputName, encoderOutput: tap.pre, connectorInput: tap.pre, connectorOutput: tap.post },
    weights: { source: 'pretrained', synthetic: false, license: `as published with ${source.origin}`, origin: source.origin },
  };
}
