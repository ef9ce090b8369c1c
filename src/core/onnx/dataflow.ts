/**
 * Who produces and who consumes each tensor, and which tensors are activations: values computed
 * from what the caller feeds, as opposed to weights, constants and shape arithmetic. Only
 * activations can be a connector boundary or a useful tap.
 */
import type { GraphNode, GraphSummary } from './graphSummary.ts';

/** Float element types (TensorProto.DataType): float, float16, double, bfloat16, float8 kinds. */
const FLOAT_TYPES: ReadonlySet<number> = new Set([1, 10, 11, 16, 17, 18, 19, 20]);

/**
 * Ops whose outputs describe their input (its shape, where it is non-zero, comparisons) rather
 * than carry its values: an exporter's shape arithmetic, not a representation of the image.
 */
const METADATA_OPS: ReadonlySet<string> = new Set([
  'Shape',
  'Size',
  'NonZero',
  'ArgMax',
  'ArgMin',
  'ConstantOfShape',
  'Range',
  'EyeLike',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'And',
  'Or',
  'Not',
  'Xor',
  'IsNaN',
  'IsInf',
]);

export interface Dataflow {
  /** tensor -> index of the node producing it (absent for inputs, initializers, unknown names). */
  readonly producer: ReadonlyMap<string, number>;
  /** tensor -> indices of the nodes consuming it, in file order. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Nodes in an order where every producer comes before its consumers (file order when it already is). */
  readonly order: readonly number[];
  /** Tensors computed from the graph's inputs, float (or of unknown type), not shape arithmetic. */
  readonly activations: ReadonlySet<string>;
}

/**
 * File order when it is already topological (ONNX requires it); otherwise Kahn's algorithm, with
 * nodes caught in a cycle (invalid ONNX) appended in file order.
 */
function topologicalOrder(nodes: readonly GraphNode[], producer: ReadonlyMap<string, number>, consumers: ReadonlyMap<string, readonly number[]>): number[] {
  const sorted = nodes.every((n) => n.inputs.every((i) => (producer.get(i) ?? -1) < n.index));
  if (sorted) return nodes.map((n) => n.index);
  const waiting = nodes.map((n) => new Set(n.inputs.filter((i) => producer.has(i))).size);
  const queue = nodes.filter((_, i) => waiting[i] === 0).map((n) => n.index);
  const placed = new Uint8Array(nodes.length);
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    placed[i] = 1;
    for (const out of new Set(nodes[i]!.outputs)) {
      if (producer.get(out) !== i) continue;
      for (const c of new Set(consumers.get(out) ?? [])) {
        waiting[c] = waiting[c]! - 1;
        if (waiting[c] === 0) queue.push(c);
      }
    }
  }
  for (let i = 0; i < nodes.length; i++) if (!placed[i]) queue.push(i);
  return queue;
}

export function dataflow(summary: GraphSummary): Dataflow {
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  for (const node of summary.nodes) {
    // The first producer wins, as in a valid graph there is only one.
    for (const out of node.outputs) if (out !== '' && !producer.has(out)) producer.set(out, node.index);
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = consumers.get(input);
      if (list) list.push(node.index);
      else consumers.set(input, [node.index]);
    }
  }
  const order = topologicalOrder(summary.nodes, producer, consumers);
  const activations = new Set<string>();
  for (const name of summary.inputs) if (isFloatOrUnknown(summary, name)) activations.add(name);
  // Any computation from the caller's feeds counts (an int64 grid becomes float positions), so
  // reachability runs over all types; only float results are kept as activations below.
  const computed = new Set(summary.inputs);
  for (const i of order) {
    const node = summary.nodes[i]!;
    if (METADATA_OPS.has(node.op) || node.op === 'Constant') continue;
    if (!node.inputs.some((name) => computed.has(name))) continue;
    for (const out of node.outputs) {
      if (out === '' || summary.initializers.has(out)) continue;
      computed.add(out);
      if (isFloatOrUnknown(summary, out)) activations.add(out);
    }
  }
  return { producer, consumers, order, activations };
}

function isFloatOrUnknown(summary: GraphSummary, name: string): boolean {
  const type = summary.values.get(name)?.elemType ?? null;
  return type === null || FLOAT_TYPES.has(type);
}
