/**
 * Writing a small ONNX model at run time (a graph of a few nodes the app builds for itself, such
 * as the neighbour search's matrix product), straight to protobuf wire format with WireWriter:
 * no protobufjs in the app. Large tensors stay outside the model as external data, so the model
 * is kilobytes whatever the data's size, and the caller hands the data to ONNX Runtime as is.
 * Field numbers are onnx.proto3's.
 */
import { WireWriter } from './wire.ts';

export type ElemType = 'float32' | 'int64';
const ELEM: Readonly<Record<ElemType, number>> = { float32: 1, int64: 7 };

export interface SmallNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integer and integer-list attributes only (all this module's graphs need). */
  readonly attributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface SmallTensor {
  readonly name: string;
  readonly type: ElemType;
  readonly dims: readonly number[];
  /** Inline values, or where the values are in an external file. */
  readonly values: Float32Array | BigInt64Array | { readonly location: string; readonly offset: number; readonly length: number };
}

export interface SmallValue {
  readonly name: string;
  readonly type: ElemType;
  /** A number is a fixed size, a string a named free dimension. */
  readonly dims: readonly (number | string)[];
}

export interface SmallGraph {
  readonly name: string;
  readonly nodes: readonly SmallNode[];
  readonly initializers: readonly SmallTensor[];
  readonly inputs: readonly SmallValue[];
  readonly outputs: readonly SmallValue[];
  readonly opset?: number;
}

function valueInfo(w: WireWriter, field: number, v: SmallValue): void {
  w.message(field, (vi) => {
    vi.string(1, v.name);
    vi.message(2, (type) =>
      type.message(1, (tensor) => {
        tensor.varint(1, ELEM[v.type]);
        tensor.message(2, (shape) => {
          for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
        });
      }),
    );
  });
}

function tensor(w: WireWriter, field: number, t: SmallTensor): void {
  w.message(field, (tp) => {
    for (const d of t.dims) tp.varint(1, d);
    tp.varint(2, ELEM[t.type]);
    tp.string(8, t.name);
    if (t.values instanceof Float32Array || t.values instanceof BigInt64Array) {
      tp.bytes(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    } else {
      const { location, offset, length } = t.values;
      for (const [key, value] of [
        ['location', location],
        ['offset', String(offset)],
        ['length', String(length)],
      ] as const) {
        tp.message(13, (entry) => entry.string(1, key).string(2, value));
      }
      tp.varint(14, 1); // data_location = EXTERNAL
    }
  });
}

export function writeSmallModel(g: SmallGraph): Uint8Array {
  const w = new WireWriter();
  w.varint(1, 8); // ir_version
  w.string(2, 'connector-lens');
  w.message(7, (graph) => {
    for (const n of g.nodes) {
      graph.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(3, `${n.op}_${n.outputs[0] ?? ''}`);
        node.string(4, n.op);
        for (const [name, value] of Object.entries(n.attributes ?? {})) {
          node.message(5, (a) => {
            a.string(1, name);
            if (typeof value === 'number')
              a.varint(3, value).varint(20, 2); // INT
            else {
              for (const v of value) a.varint(8, v);
              a.varint(20, 7); // INTS
            }
          });
        }
      });
    }
    graph.string(2, g.name);
    for (const t of g.initializers) tensor(graph, 5, t);
    for (const v of g.inputs) valueInfo(graph, 11, v);
    for (const v of g.outputs) valueInfo(graph, 12, v);
  });
  w.message(8, (op) => op.string(1, '').varint(2, g.opset ?? 17));
  return w.finish();
}
