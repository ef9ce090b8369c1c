/**
 * What a stock vision encoder is fed: every graph input bound to a tensor the image processor
 * made, by name (with the spellings exports use for the same tensor), converted to the type the
 * graph declares. fp16 exports declare float16 pixels; transformers.js narrows them the same way.
 * A model that wants something no processor makes, or a shape that contradicts the processor's,
 * is refused with the names and shapes on both sides.
 */
import { UserFacingError } from '../errors.ts';
import type { EncoderTensor } from '../image/processors/encoderInputs.ts';
import { formatShape } from '../onnx/candidates.ts';
import { float32ToHalfBits } from '../onnx/float16.ts';
import type { TensorInfo } from '../onnx/graphSummary.ts';

/** A tensor as ONNX Runtime takes it; float16 as raw bits. */
export type FeedTensor =
  | { readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly type: 'float16'; readonly dims: readonly number[]; readonly data: Uint16Array }
  | { readonly type: 'bool'; readonly dims: readonly number[]; readonly data: Uint8Array }
  | { readonly type: 'int64'; readonly dims: readonly number[]; readonly data: BigInt64Array };

/** TensorProto.DataType numbers of the types a feed can have. */
const ELEM_TYPES: Readonly<Record<number, FeedTensor['type']>> = { 1: 'float32', 10: 'float16', 9: 'bool', 7: 'int64' };

/** Names one tensor goes by across exports: transformers.js calls Qwen2-VL's grid `grid_thw`, Qwen2.5-VL's `image_grid_thw`. */
const ALIASES: readonly (readonly string[])[] = [['image_grid_thw', 'grid_thw']];

function namesFor(input: string): readonly string[] {
  return ALIASES.find((group) => group.includes(input)) ?? [input];
}

function convert(t: EncoderTensor, to: FeedTensor['type'], input: string): FeedTensor {
  if (t.type === to) return t as FeedTensor;
  if (t.type === 'float32' && to === 'float16') return { type: 'float16', dims: t.dims, data: float32ToHalfBits(t.data) };
  throw new UserFacingError(
    `The model's input "${input}" is ${to}, but the image processor makes ${t.type}. This export does not take images the way its processor prepares them; use another variant of the model.`,
  );
}

/**
 * Feeds for `inputs` (the graph's declared inputs) from the processor's `tensors`. `processor`
 * names the processor in messages ("the SigLIP processor").
 */
export function bindFeeds(inputs: readonly TensorInfo[], tensors: readonly EncoderTensor[], processor: string): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  const made = tensors.map((t) => `${t.name} ${formatShape(t.dims)}`).join(', ');
  for (const input of inputs) {
    const tensor = tensors.find((t) => namesFor(input.name).includes(t.name));
    if (!tensor) {
      throw new UserFacingError(
        `The model takes an input "${input.name}" ${formatShape(input.dims)} that ${processor} does not make (it makes ${made}). The export does not match its preprocessor_config.json, or it is not a vision encoder.`,
      );
    }
    const declared = input.dims;
    const clash = declared !== null && (declared.length !== tensor.dims.length || declared.some((d, i) => typeof d === 'number' && d !== tensor.dims[i]));
    if (clash) {
      throw new UserFacingError(
        `The model's input "${input.name}" has shape ${formatShape(declared)}, but ${processor} makes ${formatShape(tensor.dims)} from its preprocessor_config.json. The config does not belong to this model: take both from the same repo.`,
      );
    }
    const type = input.elemType === null ? tensor.type : ELEM_TYPES[input.elemType];
    if (!type)
      throw new UserFacingError(
        `The model's input "${input.name}" has ONNX type ${input.elemType}, which no image processor makes (float32, float16, bool or int64).`,
      );
    feeds[input.name] = convert(tensor, type, input.name);
  }
  return feeds;
}
