/**
 * An ONNX model's graph without its weights: nodes, tensor names with the shapes and types the
 * file declares, graph inputs and outputs, and initializers' shapes. Read with the wire scanner
 * (wire.ts), so weights are skipped in place: reading a 300 MB model allocates kilobytes, not a
 * second copy, and the bytes can then be handed to ONNX Runtime as they are.
 *
 * Repeated occurrences of the graph field are merged, as protobuf does: a tapped model (the
 * original bytes plus an appended graph with extra outputs, see tap.ts) reads as one graph.
 */
import { fields, LEN, text, varints, WireError, type WireField } from './wire.ts';

/** A dimension: a size, a symbolic name ("batch"), or null when the file leaves it open. */
export type Dim = number | string | null;

export interface TensorInfo {
  readonly name: string;
  /** TensorProto.DataType (1 float32, 10 float16, 7 int64, ...); null when not declared. */
  readonly elemType: number | null;
  /** null when the rank is not declared. */
  readonly dims: readonly Dim[] | null;
}

export interface InitializerInfo extends TensorInfo {
  /** Values kept in a side file (data_location EXTERNAL). */
  readonly external: boolean;
}

export interface GraphNode {
  /** Position in the file; ONNX requires file order to be a topological order. */
  readonly index: number;
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** The node's pkg.torch.onnx.name_scopes metadata (dynamo exports), verbatim; null if absent. */
  readonly nameScopes: string | null;
}

export interface GraphSummary {
  readonly irVersion: number;
  readonly producer: string;
  /** Opset version by domain ("" is the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  readonly nodes: readonly GraphNode[];
  /** Graph inputs that are not initializers: what a caller feeds. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly initializers: ReadonlyMap<string, InitializerInfo>;
  /** Declared shape and type of every tensor the file describes (value_info, inputs, outputs). */
  readonly values: ReadonlyMap<string, TensorInfo>;
}

/** Bytes that are not a readable ONNX model, for whatever reason, with a message for people. */
export class OnnxGraphError extends WireError {}

const NAME_SCOPES = 'pkg.torch.onnx.name_scopes';

// Field numbers from onnx.proto.
const MODEL = { irVersion: 1, producer: 2, graph: 7, opset: 8 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13, sparseInitializer: 15 } as const;
const NODE = { input: 1, output: 2, name: 3, op: 4, domain: 7, metadata: 9 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, dataLocation: 14 } as const;

function message(f: WireField, what: string): WireField {
  if (f.wire !== LEN) throw new OnnxGraphError(`the model file is damaged (${what} is not a message)`);
  return f;
}

const NAME_SCOPES_BYTES = new TextEncoder().encode(NAME_SCOPES);

/** The value of a key/value entry whose key is `key`; null for other keys (their values, such as stack traces, are not decoded). */
function entryValue(bytes: Uint8Array, f: WireField, key: Uint8Array): string | null {
  let matches = false;
  let value: WireField | null = null;
  for (const e of fields(bytes, f.start, message(f, 'a key/value entry').end)) {
    if (e.field === 1) matches = e.wire === LEN && e.end - e.start === key.length && key.every((b, i) => bytes[e.start + i] === b);
    else if (e.field === 2) value = e;
  }
  return matches && value ? text(bytes, value) : null;
}

function readNode(bytes: Uint8Array, f: WireField, index: number): GraphNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let op = '';
  let domain = '';
  let nameScopes: string | null = null;
  for (const n of fields(bytes, f.start, message(f, 'a node').end)) {
    if (n.field === NODE.input) inputs.push(text(bytes, n));
    else if (n.field === NODE.output) outputs.push(text(bytes, n));
    else if (n.field === NODE.name) name = text(bytes, n);
    else if (n.field === NODE.op) op = text(bytes, n);
    else if (n.field === NODE.domain) domain = text(bytes, n);
    else if (n.field === NODE.metadata) nameScopes = entryValue(bytes, n, NAME_SCOPES_BYTES) ?? nameScopes;
    // Attributes (5) are skipped: they may hold whole tensors or subgraphs.
  }
  return { index, name, op, domain, inputs, outputs, nameScopes };
}

/** TypeProto -> elem_type and shape of a tensor type; other types (sequence, map) read as unknown. */
function readType(bytes: Uint8Array, f: WireField): { elemType: number | null; dims: Dim[] | null } {
  let elemType: number | null = null;
  let dims: Dim[] | null = null;
  for (const t of fields(bytes, f.start, message(f, 'a type').end)) {
    if (t.field !== 1) continue; // tensor_type
    for (const tt of fields(bytes, t.start, message(t, 'a tensor type').end)) {
      if (tt.field === 1) elemType = tt.value;
      else if (tt.field === 2) {
        dims = [];
        for (const s of fields(bytes, tt.start, message(tt, 'a shape').end)) {
          if (s.field !== 1) continue;
          let dim: Dim = null;
          for (const d of fields(bytes, s.start, message(s, 'a dimension').end)) {
            if (d.field === 1) dim = d.value;
            else if (d.field === 2) dim = text(bytes, d);
          }
          dims.push(dim);
        }
      }
    }
  }
  return { elemType, dims };
}

function readValueInfo(bytes: Uint8Array, f: WireField): TensorInfo {
  let name = '';
  let type: { elemType: number | null; dims: Dim[] | null } = { elemType: null, dims: null };
  for (const v of fields(bytes, f.start, message(f, 'a value description').end)) {
    if (v.field === 1) name = text(bytes, v);
    else if (v.field === 2) type = readType(bytes, v);
  }
  return { name, ...type };
}

/** An initializer's name, type and shape; its data (raw_data, float_data, ...) is stepped over. */
function readTensorHeader(bytes: Uint8Array, f: WireField): InitializerInfo {
  let name = '';
  let elemType: number | null = null;
  const dims: number[] = [];
  let external = false;
  for (const t of fields(bytes, f.start, message(f, 'a tensor').end)) {
    if (t.field === TENSOR.name) name = text(bytes, t);
    else if (t.field === TENSOR.dataType) elemType = t.value;
    else if (t.field === TENSOR.dims) for (const d of varints(bytes, t)) dims.push(d);
    else if (t.field === TENSOR.dataLocation) external = t.value === 1;
  }
  return { name, elemType, dims, external };
}

/**
 * The graph summary of an ONNX model. Throws OnnxGraphError (a UserFacingError) for bytes that
 * are not a readable model; any other exception would be a bug.
 */
export function readGraphSummary(bytes: Uint8Array): GraphSummary {
  try {
    return readUnchecked(bytes);
  } catch (error) {
    if (error instanceof OnnxGraphError) throw error;
    if (error instanceof WireError) throw new OnnxGraphError(error.message, { cause: error });
    // Text decoding and array growth cannot fail on bytes; anything else is ours to fix.
    throw error;
  }
}

function readUnchecked(bytes: Uint8Array): GraphSummary {
  let irVersion = 0;
  let producer = '';
  const opsets = new Map<string, number>();
  const graphs: WireField[] = [];
  for (const f of fields(bytes)) {
    if (f.field === MODEL.irVersion) irVersion = f.value;
    else if (f.field === MODEL.producer) producer = text(bytes, f);
    else if (f.field === MODEL.graph) graphs.push(message(f, 'the graph'));
    else if (f.field === MODEL.opset) {
      let domain = '';
      let version = 0;
      for (const o of fields(bytes, f.start, message(f, 'an opset').end)) {
        if (o.field === 1) domain = text(bytes, o);
        else if (o.field === 2) version = o.value;
      }
      opsets.set(domain, version);
    }
  }
  if (graphs.length === 0) throw new OnnxGraphError('this file is not an ONNX model (it has no graph)');
  if (irVersion <= 0) throw new OnnxGraphError('this file is not an ONNX model (it has no IR version)');

  const nodes: GraphNode[] = [];
  const declaredInputs: string[] = [];
  const outputs: string[] = [];
  const initializers = new Map<string, InitializerInfo>();
  const values = new Map<string, TensorInfo>();
  const declare = (v: TensorInfo) => {
    // A later, more specific declaration (an output's type) does not lose an earlier shape.
    const before = values.get(v.name);
    values.set(v.name, { name: v.name, elemType: v.elemType ?? before?.elemType ?? null, dims: v.dims ?? before?.dims ?? null });
  };
  for (const g of graphs) {
    for (const f of fields(bytes, g.start, g.end)) {
      if (f.field === GRAPH.node) nodes.push(readNode(bytes, f, nodes.length));
      else if (f.field === GRAPH.initializer) {
        const t = readTensorHeader(bytes, f);
        initializers.set(t.name, t);
      } else if (f.field === GRAPH.sparseInitializer) {
        // SparseTensorProto: values (1) carries the name; dims (3) the dense shape.
        let header: InitializerInfo | null = null;
        const dims: number[] = [];
        for (const s of fields(bytes, f.start, message(f, 'a sparse tensor').end)) {
          if (s.field === 1) header = readTensorHeader(bytes, s);
          else if (s.field === 3) for (const d of varints(bytes, s)) dims.push(d);
        }
        if (header) initializers.set(header.name, { ...header, dims });
      } else if (f.field === GRAPH.input) {
        const v = readValueInfo(bytes, f);
        declaredInputs.push(v.name);
        declare(v);
      } else if (f.field === GRAPH.output) {
        const v = readValueInfo(bytes, f);
        outputs.push(v.name);
        declare(v);
      } else if (f.field === GRAPH.valueInfo) declare(readValueInfo(bytes, f));
    }
  }
  return {
    irVersion,
    producer,
    opsets,
    nodes,
    // Before IR 4 initializers were listed as inputs too; those are weights, not feeds.
    inputs: declaredInputs.filter((n) => !initializers.has(n)),
    outputs,
    initializers,
    values,
  };
}

/** What the file declares about a tensor: value_info, graph input/output, or initializer header. */
export function tensorInfo(summary: GraphSummary, name: string): TensorInfo {
  return summary.values.get(name) ?? summary.initializers.get(name) ?? { name, elemType: null, dims: null };
}
