/**
 * A small typed builder for ONNX graphs on the ONNX protobuf schema. Deterministic: the same
 * sequence of calls yields the same bytes, which lets the committed packs be regenerated and
 * compared byte for byte. Weights go into raw_data as little-endian float32.
 */
import { onnx, type IAttributeProto, type INodeProto, type ITensorProto, type IValueInfoProto } from './proto.ts';
import { concatBytes, lengthPrefix, WireWriter } from '../../src/core/onnx/wire.ts';

/** A tensor dimension: a number, or a name for a symbolic one ("batch"). */
export type Dim = number | string;
/** Integers are INT attributes, arrays INTS, strings STRING; floats must say so ({float: 1e-5}) so 1.0 is not written as an int. */
export type AttributeValue = number | readonly number[] | string | { readonly float: number };

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function littleEndianBytes(values: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(values.length * values.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

function attribute(name: string, value: AttributeValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`attribute ${name}: use {float: x} for float values`);
    return { name, type: T.INT, i: value };
  }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INTS, ints: [...value] };
}

function valueInfo(name: string, dims: readonly Dim[], elemType: number = FLOAT): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** How a node is named, as an exporter would: its name, its outputs' names, its metadata_props. */
export interface NodeNaming {
  name(
    op: string,
    scope: readonly string[],
    outputCount: number,
  ): { readonly node: string; readonly outputs: readonly string[]; readonly metadata?: Readonly<Record<string, string>> };
}

export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  /** metadata_props per node (the onnx-proto schema predates that field, so it is written by hand). */
  private readonly nodeMetadata: (Readonly<Record<string, string>> | undefined)[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly valueInfos: IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly scope: string[] = [];
  private counter = 0;

  /** Without `naming`, nodes are "node_<Op>_<n>" and outputs "<op>_<n>" (the packs' names). */
  constructor(
    private readonly graphName: string,
    private readonly naming?: NodeNaming,
  ) {}

  /** Build inside a module (for naming, like a PyTorch submodule): within('encoder', () => ...). */
  within<T>(module: string, build: () => T): T {
    this.scope.push(module);
    try {
      return build();
    } finally {
      this.scope.pop();
    }
  }

  /** Declare an intermediate tensor's shape (value_info), as exporters do after shape inference. */
  valueInfo(name: string, dims: readonly Dim[], elemType: number = FLOAT): void {
    this.valueInfos.push(valueInfo(name, dims, elemType));
  }

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** A graph input; float32 unless `elemType` (TensorProto.DataType: 9 bool, 7 int64, 10 float16) says otherwise. */
  input(name: string, dims: readonly Dim[], elemType: number = FLOAT): string {
    this.inputs.push(valueInfo(name, dims, elemType));
    this.claim(name);
    return name;
  }

  output(name: string, dims: readonly Dim[], elemType: number = FLOAT): void {
    this.outputs.push(valueInfo(name, dims, elemType));
  }

  floatInit(name: string, dims: readonly number[], values: Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new RangeError(`initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
    this.claim(name);
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: littleEndianBytes(values) });
    return name;
  }

  int64Init(name: string, values: readonly number[]): string {
    this.claim(name);
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: littleEndianBytes(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }

  /**
   * A float initializer whose values live in a side file, as models over 2 GB are saved
   * (data_location EXTERNAL; location, offset and length entries, length defaulting to the
   * tensor's size). Writing that file is the caller's business.
   */
  externalFloatInit(name: string, dims: readonly number[], file: { readonly location: string; readonly offset: number; readonly length?: number }): string {
    this.claim(name);
    const length = file.length ?? 4 * dims.reduce((a, b) => a * b, 1);
    const externalData = [
      { key: 'location', value: file.location },
      { key: 'offset', value: String(file.offset) },
      { key: 'length', value: String(length) },
    ];
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData });
    return name;
  }

  scalar(name: string, value: number): string {
    return this.floatInit(name, [], Float32Array.of(value));
  }

  /** Add a node; returns its output names. */
  node(op: string, inputs: readonly string[], outputs: readonly string[] | number, attributes: Record<string, AttributeValue> = {}): string[] {
    const named = this.naming?.name(op, [...this.scope], typeof outputs === 'number' ? outputs : outputs.length);
    const outs = typeof outputs !== 'number' ? [...outputs] : named ? [...named.outputs] : Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    for (const o of outs) this.claim(o);
    this.nodeMetadata.push(named?.metadata);
    this.nodes.push({
      name: named ? named.node : this.fresh(`node_${op}`),
      opType: op,
      input: [...inputs],
      output: outs,
      attribute: Object.keys(attributes)
        .sort()
        .map((k) => attribute(k, attributes[k]!)),
    });
    return outs;
  }

  /** Single-output convenience. */
  op(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.node(op, inputs, output ? [output] : 1, attributes)[0]!;
  }

  toBytes(opset = 17): Uint8Array {
    const header = { irVersion: 8, producerName: 'connector-lens', producerVersion: '1', opsetImport: [{ domain: '', version: opset }] };
    const graph = { name: this.graphName, initializer: this.initializers, input: this.inputs, output: this.outputs, valueInfo: this.valueInfos };
    if (this.nodeMetadata.every((m) => m === undefined))
      return onnx.ModelProto.encode(onnx.ModelProto.create({ ...header, graph: { ...graph, node: this.nodes } })).finish();
    // NodeProto.metadata_props (field 9) is appended to each encoded node: a message's fields may come in any order.
    const parts: Uint8Array[] = [];
    this.nodes.forEach((node, i) => {
      const w = new WireWriter();
      for (const [key, value] of Object.entries(this.nodeMetadata[i] ?? {})) w.message(9, (e) => e.string(1, key).string(2, value));
      const bytes = concatBytes([onnx.NodeProto.encode(node).finish(), w.finish()]);
      parts.push(lengthPrefix(1, bytes.length), bytes);
    });
    parts.push(onnx.GraphProto.encode(graph).finish());
    const graphBytes = concatBytes(parts);
    return concatBytes([onnx.ModelProto.encode(onnx.ModelProto.create(header)).finish(), lengthPrefix(7, graphBytes.length), graphBytes]);
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate tensor name: ${name}`);
    this.names.add(name);
  }
}
