/**
 * Stock Hugging Face exports worth opening by name: repo, the vision encoder file per weight type,
 * what the encoder takes besides pixels, the connector family with its patch geometry, and the
 * processor that makes its inputs. Pure data; presetProblems checks an entry against core/geometry,
 * the processor list and its own tensor shapes (tests/core/hub/presets.test.ts runs it on all).
 *
 * No file listing of these repos could be read while writing this, so download sizes are
 * estimates from the encoder's parameter count (from the model cards) and the variant's bytes per
 * weight, and are shown as estimates; the download itself reports the real sizes.
 */
import { errorText } from '../errors.ts';
import { postTokenCount } from '../geometry/connectorGeometry.ts';
import { QWEN2VL_ANALYSIS_SIZE } from '../image/processors/encoderInputs.ts';
import { PROCESSOR_NAMES, type ProcessorName } from '../image/processors/processorConfig.ts';
import type { ConnectorSpec } from '../types.ts';
import { parseRepoId } from './hubLocation.ts';
import { encoderPath, type DtypeVariant } from './variants.ts';

/** An input the encoder takes besides pixel_values; dims use N for images (tiles) and P for patches. */
export interface PresetInput {
  readonly name: string;
  readonly type: 'float32' | 'bool' | 'int64';
  readonly dims: readonly (number | string)[];
}

/** One image's encoder grid at the preset's analysis size. */
export interface PresetGeometry {
  /** Side of the square image (or tile) the encoder sees. */
  readonly imageSize: number;
  readonly patchSize: number;
  /** Patch rows and columns: floor(imageSize / patchSize) each. */
  readonly grid: readonly [rows: number, cols: number];
  /** Per image (tile): pre-projection tokens and width, post-projection tokens and width. */
  readonly tokens: { readonly pre: number; readonly dPre: number; readonly post: number; readonly dPost: number };
}

export interface HubPreset {
  readonly id: string;
  readonly label: string;
  readonly repo: string;
  /** The variant the form picks with the preset (which variants a repo holds, the loader finds out). */
  readonly defaultVariant: DtypeVariant;
  readonly pixelValues: PresetInput;
  readonly extraInputs: readonly PresetInput[];
  /** The export's single output, already post-projection (the connector is inside). */
  readonly output: PresetInput;
  readonly connector: ConnectorSpec;
  readonly geometry: PresetGeometry;
  readonly processor: ProcessorName;
  /** Weights in the vision encoder file (encoder and connector), approximately, from the model card. */
  readonly encoderParameters: number;
  readonly memoryWarning: string;
}

function smolvlm(size: '256M' | '500M', dPost: number): HubPreset {
  return {
    id: `smolvlm-${size.toLowerCase()}`,
    label: `SmolVLM-${size}-Instruct (pixel shuffle)`,
    repo: `HuggingFaceTB/SmolVLM-${size}-Instruct`,
    defaultVariant: 'fp32',
    pixelValues: { name: 'pixel_values', type: 'float32', dims: [1, 'N', 3, 512, 512] },
    // Idefics3 pads tiles to a batch; the mask says which pixels are real.
    extraInputs: [{ name: 'pixel_attention_mask', type: 'bool', dims: [1, 'N', 512, 512] }],
    output: { name: 'image_features', type: 'float32', dims: ['N*64', dPost] },
    connector: { family: 'pixel-shuffle', scale: 4 },
    // SigLIP-B/16 at 512: 32 x 32 patches of width 768; pixel shuffle x4 makes 64 tokens of 768 * 16.
    geometry: { imageSize: 512, patchSize: 16, grid: [32, 32], tokens: { pre: 1024, dPre: 768, post: 64, dPost } },
    processor: 'idefics3',
    // SigLIP base patch-16/512 (93M, the SmolVLM blog) and the projection 12288 x dPost.
    encoderParameters: 93e6 + 768 * 16 * dPost,
    memoryWarning: `SmolVLM splits a large image into several 512 x 512 tiles and runs the encoder on each; the analysis uses one tile per image. The fp32 encoder and its activations take a few hundred MB in this tab; pick fp16 or q4 on a small device.`,
  };
}

export const HUB_PRESETS: readonly HubPreset[] = [
  smolvlm('256M', 576),
  smolvlm('500M', 960),
  {
    id: 'llava-interleave-qwen-0.5b',
    label: 'LLaVA-Interleave Qwen 0.5B (MLP)',
    repo: 'llava-hf/llava-interleave-qwen-0.5b-hf',
    defaultVariant: 'fp32',
    pixelValues: { name: 'pixel_values', type: 'float32', dims: ['B', 3, 384, 384] },
    extraInputs: [],
    output: { name: 'image_features', type: 'float32', dims: ['B', 729, 1024] },
    connector: { family: 'mlp' },
    // SigLIP-SO400M/14 at 384: 27 x 27 patches of width 1152, one post token per patch.
    geometry: { imageSize: 384, patchSize: 14, grid: [27, 27], tokens: { pre: 729, dPre: 1152, post: 729, dPost: 1024 } },
    processor: 'siglip',
    // SigLIP-SO400M (about 400M without its pooling head) and the two-layer projector.
    encoderParameters: 400e6 + 1152 * 1024 + 1024 * 1024,
    memoryWarning:
      'The SigLIP-SO400M encoder is about 400 million parameters: the fp32 file alone is over 1.5 GB in memory. Prefer fp16 or q4 unless the machine has memory to spare.',
  },
  {
    id: 'qwen2-vl-2b',
    label: 'Qwen2-VL-2B-Instruct (merger)',
    repo: 'onnx-community/Qwen2-VL-2B-Instruct',
    defaultVariant: 'fp16',
    // Patches flattened by the processor: 3 channels x 2 frames x 14 x 14 = 1176 values each.
    pixelValues: { name: 'pixel_values', type: 'float32', dims: ['P', 1176] },
    // transformers.js feeds Qwen2-VL's grid as `grid_thw` (Qwen2.5-VL's export calls it image_grid_thw).
    extraInputs: [{ name: 'grid_thw', type: 'int64', dims: [1, 3] }],
    output: { name: 'image_features', type: 'float32', dims: ['P/4', 1536] },
    connector: { family: 'merger', mergeSize: 2 },
    // At the app's fixed 336 x 336 analysis size (QWEN2VL_ANALYSIS_SIZE): 24 x 24 patches of width 1280.
    geometry: { imageSize: 336, patchSize: 14, grid: [24, 24], tokens: { pre: 576, dPre: 1280, post: 144, dPost: 1536 } },
    processor: 'qwen2-vl',
    // The Qwen2-VL vision tower with its merger (about 675M).
    encoderParameters: 675e6,
    memoryWarning:
      'The Qwen2-VL vision tower is about 675 million parameters: fp32 needs several GB of memory and keeps its weights in a side file. Start with fp16 or q4.',
  },
];

/** The encoder file every preset opens for a variant (transformers.js naming: onnx/vision_encoder{suffix}.onnx). */
export const presetEncoderPath = (variant: DtypeVariant): string => encoderPath(variant);

export const findPreset = (id: string): HubPreset | undefined => HUB_PRESETS.find((p) => p.id === id);

/**
 * Bytes per weight of each variant, roughly: fp16 halves fp32; the 8-bit types quantize the
 * MatMul weights to one byte; the 4-bit ones to half a byte (their scales and the layers left in
 * float add a little, which this leaves out).
 */
const BYTES_PER_WEIGHT: Readonly<Record<DtypeVariant, number>> = { fp32: 4, fp16: 2, quantized: 1, int8: 1, uint8: 1, q4: 0.5, q4f16: 0.5, bnb4: 0.5 };

/** An estimate of onnx/vision_encoder{suffix}.onnx's size (with its side files): parameters x bytes per weight. */
export function presetDownloadEstimate(preset: HubPreset, variant: DtypeVariant): number {
  return Math.round(preset.encoderParameters * BYTES_PER_WEIGHT[variant]);
}

/** Qwen2-VL flattens 2 frames (an image is repeated) of 3 x patch x patch pixels into each row. */
const QWEN_TEMPORAL_PATCH = 2;

/** Where an entry contradicts the geometry or itself, in words; [] when it is consistent. */
export function presetProblems(p: HubPreset): string[] {
  const problems: string[] = [];
  const { imageSize, patchSize, grid, tokens } = p.geometry;
  try {
    // The hub accepts bare names too; a preset always names its owner.
    if (parseRepoId(p.repo) !== p.repo || !p.repo.includes('/')) problems.push(`repo ${p.repo} is not in owner/name form`);
  } catch (error) {
    problems.push(`repo ${p.repo}: ${errorText(error)}`);
  }
  if (!PROCESSOR_NAMES.includes(p.processor)) problems.push(`processor ${p.processor} is not one of ${PROCESSOR_NAMES.join(', ')}`);
  // The patch embedding is a convolution with stride = kernel and no padding: it drops a remainder
  // (SigLIP-SO400M/14 at 384 sees 27 x 14 = 378 pixels).
  const side = Math.floor(imageSize / patchSize);
  if (grid[0] !== side || grid[1] !== side) problems.push(`grid [${grid}] is not ${imageSize} / patch ${patchSize} = ${side} a side`);
  if (grid[0] * grid[1] !== tokens.pre) problems.push(`grid [${grid}] has ${grid[0] * grid[1]} patches, not ${tokens.pre} pre tokens`);
  try {
    const post = postTokenCount(p.connector, grid);
    if (post !== tokens.post) problems.push(`${p.connector.family} on grid [${grid}] gives ${post} post tokens, not ${tokens.post}`);
  } catch (error) {
    problems.push(`${p.connector.family} on grid [${grid}]: ${errorText(error)}`);
  }
  if (p.output.dims.at(-1) !== tokens.dPost) problems.push(`output width ${String(p.output.dims.at(-1))} is not dPost ${tokens.dPost}`);
  const names = [p.pixelValues.name, ...p.extraInputs.map((i) => i.name)];
  if (new Set(names).size !== names.length) problems.push(`input names repeat: ${names.join(', ')}`);
  // Each processor fixes how pixel_values is laid out; the entry's dims must say the same.
  const px = p.pixelValues.dims;
  if (p.processor === 'qwen2-vl') {
    if (px.at(-1) !== 3 * QWEN_TEMPORAL_PATCH * patchSize * patchSize)
      problems.push(`pixel_values rows of ${String(px.at(-1))} are not 3 x ${QWEN_TEMPORAL_PATCH} x ${patchSize}^2`);
    if (imageSize !== QWEN2VL_ANALYSIS_SIZE) problems.push(`Qwen2-VL is analysed at ${QWEN2VL_ANALYSIS_SIZE}, not ${imageSize}`);
    if (!p.extraInputs.some((i) => (i.name === 'grid_thw' || i.name === 'image_grid_thw') && i.type === 'int64'))
      problems.push('Qwen2-VL needs grid_thw (int64; image_grid_thw in Qwen2.5-VL exports)');
  } else if (px.at(-1) !== imageSize || px.at(-2) !== imageSize || px.at(-3) !== 3)
    problems.push(`pixel_values [${px.join(', ')}] does not end in 3, ${imageSize}, ${imageSize}`);
  if (p.processor === 'idefics3' && !p.extraInputs.some((i) => i.name === 'pixel_attention_mask' && i.type === 'bool' && i.dims.at(-1) === imageSize))
    problems.push('Idefics3 needs pixel_attention_mask (bool, per pixel)');
  if (p.connector.family === 'mlp' && p.output.dims.at(-2) !== tokens.post)
    problems.push(`MLP output has ${String(p.output.dims.at(-2))} tokens, not ${tokens.post}`);
  if (p.memoryWarning.trim() === '') problems.push('no memory warning');
  if (!(p.encoderParameters > 0)) problems.push('no parameter count for the download estimate');
  return problems;
}
