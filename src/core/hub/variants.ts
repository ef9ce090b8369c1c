/**
 * Which files of a transformers.js-style export make the vision encoder. Such repos ship
 * onnx/vision_encoder{suffix}.onnx per weight type, and a graph over protobuf's 2 GB cap keeps its
 * tensors in X.onnx_data, X.onnx_data_1, ... next to it.
 */
import { HubError } from './hubErrors.ts';

/** Weight types as transformers.js names them (its `dtype` option), with their file suffixes. */
export const DTYPE_VARIANTS = {
  fp32: '',
  fp16: '_fp16',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const satisfies Record<string, string>;

export type DtypeVariant = keyof typeof DTYPE_VARIANTS;
export const VARIANT_NAMES = Object.keys(DTYPE_VARIANTS) as readonly DtypeVariant[];

export const isVariant = (v: string): v is DtypeVariant => Object.hasOwn(DTYPE_VARIANTS, v);

export function parseVariant(text: string): DtypeVariant {
  const v = text.trim();
  if (isVariant(v)) return v;
  throw new HubError('invalid', `Variant ${JSON.stringify(v)}: expected one of ${VARIANT_NAMES.join(', ')}.`);
}

/** Folders an export keeps its graphs in, in the order they are searched. */
const ENCODER_DIRS = ['onnx/', ''] as const;
const ENCODER_STEM = 'vision_encoder';

export function encoderPath(variant: DtypeVariant, dir: string = ENCODER_DIRS[0]): string {
  return `${dir}${ENCODER_STEM}${DTYPE_VARIANTS[variant]}.onnx`;
}

/** The variants whose encoder graph is present, in DTYPE_VARIANTS order. */
export function availableVariants(paths: readonly string[]): DtypeVariant[] {
  const present = new Set(paths);
  return VARIANT_NAMES.filter((v) => ENCODER_DIRS.some((dir) => present.has(encoderPath(v, dir))));
}

export const hasVisionEncoder = (paths: readonly string[]): boolean => availableVariants(paths).length > 0;

/** `X.onnx_data`, then `X.onnx_data_1`, `X.onnx_data_2`, ... in numeric order. */
export function externalDataShards(paths: readonly string[], onnxPath: string): string[] {
  const base = `${onnxPath}_data`;
  const shards = paths
    .map((p) => {
      if (p === base) return { p, n: 0 };
      const m = p.startsWith(`${base}_`) ? /^[1-9]\d{0,5}$/.exec(p.slice(base.length + 1)) : null;
      return m ? { p, n: Number(m[0]) } : null;
    })
    .filter((s): s is { p: string; n: number } => s !== null);
  return shards.sort((a, b) => a.n - b.n).map((s) => s.p);
}

export interface EncoderFiles {
  readonly graph: string;
  /** External-data files, in order; empty when the weights sit inside the graph. */
  readonly shards: readonly string[];
}

/** The encoder graph of `variant` and its weight shards, or a refusal that lists what exists. */
export function pickVisionEncoder(paths: readonly string[], variant: DtypeVariant, repoName: string): EncoderFiles {
  const present = new Set(paths);
  const graph = ENCODER_DIRS.map((dir) => encoderPath(variant, dir)).find((p) => present.has(p));
  if (graph !== undefined) return { graph, shards: externalDataShards(paths, graph) };
  const others = availableVariants(paths);
  if (others.length === 0) {
    throw new HubError(
      'unusable',
      `${repoName} has no ${encoderPath('fp32')} (nor any other vision_encoder*.onnx): it is not a transformers.js-style ONNX export of a vision-language model. Look for an onnx-community/… version of it.`,
    );
  }
  throw new HubError('unusable', `${repoName} has no ${encoderPath(variant)} (the ${variant} variant). It has ${others.join(', ')}: pick one of those.`);
}
