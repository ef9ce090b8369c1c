/**
 * Read an ONNX model's structure and weights: initializers as typed arrays, nodes, graph inputs
 * and outputs. Used by tests (reference forward passes) and for graph inspection.
 */
import { errorText } from '../../src/core/errors.ts';
import { onnx, type IAttributeProto, type ITensorProto, type IValueInfoProto } from './proto.ts';

export interface Initializer {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}
/** An attribute's value; null for kinds not read here (tensors, graphs). Floats are float32 values. */
export type AttributeInfo = number | readonly number[] | string | readonly string[] | null;
export interface NodeInfo {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeInfo>>;
}
export interface ValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}
export interface ModelInfo {
  readonly irVersion: number;
  readonly producer: string;
  readonly opset: number;
  readonly initializers: ReadonlyMap<string, Initializer>;
  readonly nodes: readonly NodeInfo[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** Every failure to read a model surfaces as this one type, with a message for people. */
export class OnnxReadError extends Error {
  override name = 'OnnxReadError';
}

const num = (v: number | { toNumber(): number } | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

function tensorData(t: ITensorProto): Float32Array | BigInt64Array {
  const T = onnx.TensorProto.DataType;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value ?? '';
    throw new OnnxReadError(`initializer ${t.name}: its values are in the external file ${JSON.stringify(location)}, which is not read here`);
  }
  const count = (t.dims ?? []).reduce<number>((a, d) => a * num(d), 1);
  // Values in the typed fields must match the shape too: a tensor with none would read as empty.
  const typed = <V>(values: readonly V[]): readonly V[] => {
    if (values.length !== count) throw new OnnxReadError(`initializer ${t.name}: ${values.length} values for dims [${(t.dims ?? []).map(num).join(', ')}]`);
    return values;
  };
  const raw = t.rawData;
  if (t.dataType === T.FLOAT) {
    if (raw && raw.length > 0) {
      if (raw.length !== count * 4) throw new OnnxReadError(`initializer ${t.name}: ${raw.length} bytes for ${count} float32 values`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
    }
    return Float32Array.from(typed(t.floatData ?? []));
  }
  if (t.dataType === T.INT64) {
    if (raw && raw.length > 0) {
      if (raw.length !== count * 8) throw new OnnxReadError(`initializer ${t.name}: ${raw.length} bytes for ${count} int64 values`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(i * 8, true));
    }
    return BigInt64Array.from(typed(t.int64Data ?? []).map((v) => BigInt(num(v))));
  }
  throw new OnnxReadError(`initializer ${t.name}: data type ${t.dataType} is not read here`);
}

const text = (bytes: Uint8Array | null | undefined): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

function attributeValue(a: IAttributeProto): AttributeInfo {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return num(a.i);
    case T.FLOAT:
      return a.f ?? 0;
    case T.STRING:
      return text(a.s);
    case T.INTS:
      return (a.ints ?? []).map(num);
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.STRINGS:
      return (a.strings ?? []).map(text);
    default:
      return null;
  }
}

function valueInfo(v: IValueInfoProto): ValueInfo {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return { name: v.name ?? '', dims: dims.map((d) => (d.dimParam ? d.dimParam : num(d.dimValue))) };
}

export function readModel(bytes: Uint8Array): ModelInfo {
  try {
    return readModelUnchecked(bytes);
  } catch (error) {
    if (error instanceof OnnxReadError) throw error;
    throw new OnnxReadError(`not a readable ONNX model: ${errorText(error)}`);
  }
}

function readModelUnchecked(bytes: Uint8Array): ModelInfo {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new OnnxReadError('not a readable ONNX model: it has no graph');
  const initializers = new Map<string, Initializer>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', { dims: (t.dims ?? []).map(num), data: tensorData(t) });
  return {
    irVersion: num(model.irVersion),
    producer: model.producerName ?? '',
    opset: num(model.opsetImport?.find((o) => !o.domain)?.version),
    initializers,
    nodes: (graph.node ?? []).map((n) => ({
      op: n.opType ?? '',
      name: n.name ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attributeValue(a)])),
    })),
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
  };
}
