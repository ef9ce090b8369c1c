/**
 * A small typed builder for ONNX graphs on the ONNX protobuf schema. Deterministic: the same
 * sequence of calls yields the same bytes, which lets the committed packs be regenerated and
 * compared byte for byte. Weights go into raw_data as little-endian float32.
 */
import { onnx, type IAttributeProto, type INodeProto, type ITensorProto, type IValueInfoProto } from './proto.ts';

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

export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    this.claim(name);
    return name;
  }

  output(name: string, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
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

  scalar(name: string, value: number): string {
    return this.floatInit(name, [], Float32Array.of(value));
  }

  /** Add a node; returns its output names. */
  node(op: string, inputs: readonly string[], outputs: readonly string[] | number, attributes: Record<string, AttributeValue> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : [...outputs];
    for (const o of outs) this.claim(o);
    this.nodes.push({
      name: this.fresh(`node_${op}`),
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
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'connector-lens',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: this.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate tensor name: ${name}`);
    this.names.add(name);
  }
}
