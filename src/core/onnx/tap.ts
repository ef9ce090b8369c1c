/**
 * Make internal tensors graph outputs, so ONNX Runtime returns them (it returns only outputs).
 *
 * Protobuf merges concatenated messages: repeated fields append, embedded messages merge. So the
 * model bytes followed by a serialised ModelProto{ graph{ output: [ValueInfoProto{ name }] } } read
 * as the same model with more outputs. The weights are never decoded or re-encoded; the only
 * copy is the one that joins original and suffix into the single Uint8Array ORT takes, and
 * tapInPlace avoids even that when the model was read into a buffer with room after it
 * (readWithRoom.ts). Weights kept in side files (external data) are referenced by name and
 * offset inside the original bytes, which stay as they are: they resolve as before.
 */
import { UserFacingError } from '../errors.ts';
import { readGraphSummary, type GraphSummary } from './graphSummary.ts';
import { WireWriter } from './wire.ts';

/** A tap the model cannot take (unknown tensor, a weight, nothing asked), with a message for people. */
export class TapError extends UserFacingError {}

/** Spare bytes to read a model into, so a tap can be appended without copying it (names are short). */
export const TAP_ROOM = 64 * 1024;

export interface TapPlan {
  /** Names to append as outputs, in the order asked, without repeats. */
  readonly add: readonly string[];
  /** Names asked for that are outputs already (ORT returns them anyway). */
  readonly already: readonly string[];
}

export interface TappedModel extends TapPlan {
  /** The model to hand to ONNX Runtime: original bytes followed by `suffix`. */
  readonly bytes: Uint8Array;
  readonly suffix: Uint8Array;
  /** True when `bytes` shares memory with the buffer passed in (no copy was made). */
  readonly inPlace: boolean;
}

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Check the names against the graph: each must be a tensor some node produces, or a graph input. */
export function planTap(summary: GraphSummary, names: readonly string[]): TapPlan {
  if (names.length === 0) throw new TapError('Choose at least one tensor to read out of the model.');
  const produced = new Set(summary.nodes.flatMap((n) => n.outputs));
  const inputs = new Set(summary.inputs);
  const outputs = new Set(summary.outputs);
  const add: string[] = [];
  const already: string[] = [];
  for (const name of new Set(names)) {
    if (outputs.has(name)) already.push(name);
    else if (summary.initializers.has(name))
      throw new TapError(`${quote(name)} is a weight of the model, not a value computed from the image. Choose an activation from the list.`);
    else if (name === '' || (!produced.has(name) && !inputs.has(name)))
      throw new TapError(`The model has no tensor named ${quote(name)}. Choose one from the list.`);
    else add.push(name);
  }
  return { add, already };
}

/** The bytes to append: a ModelProto whose graph lists the new outputs by name only (ORT infers types). */
export function tapSuffix(names: readonly string[]): Uint8Array {
  const w = new WireWriter();
  if (names.length === 0) return w.finish();
  // ModelProto.graph = 7; GraphProto.output = 12; ValueInfoProto.name = 1.
  w.message(7, (graph) => {
    for (const name of names) graph.message(12, (value) => value.string(1, name));
  });
  return w.finish();
}

/** One new buffer holding the model and the suffix: the single copy ORT's one-array API needs. */
export function tapOutputs(modelBytes: Uint8Array, names: readonly string[], summary: GraphSummary = readGraphSummary(modelBytes)): TappedModel {
  const plan = planTap(summary, names);
  const suffix = tapSuffix(plan.add);
  const bytes = new Uint8Array(modelBytes.length + suffix.length);
  bytes.set(modelBytes);
  bytes.set(suffix, modelBytes.length);
  return { ...plan, bytes, suffix, inPlace: false };
}

/**
 * Write the suffix into the spare room after the model (buffer[0, length) is the model) and
 * return a view: no copy. Falls back to tapOutputs when the room is too small.
 */
export function tapInPlace(buffer: Uint8Array, length: number, names: readonly string[], summary?: GraphSummary): TappedModel {
  if (!Number.isSafeInteger(length) || length < 0 || length > buffer.length)
    throw new RangeError(`tapInPlace: length ${length} outside a buffer of ${buffer.length} bytes`);
  const model = buffer.subarray(0, length);
  const plan = planTap(summary ?? readGraphSummary(model), names);
  const suffix = tapSuffix(plan.add);
  if (length + suffix.length > buffer.length) return tapOutputs(model, names, summary ?? readGraphSummary(model));
  buffer.set(suffix, length);
  return { ...plan, bytes: buffer.subarray(0, length + suffix.length), suffix, inPlace: true };
}
