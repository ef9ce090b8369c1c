/**
 * Connector modules in a graph: nodes grouped by the connector-named module they came from, with
 * the activations that cross its border. Shared by the boundary finder and the candidate list.
 */
import { dataflow, type Dataflow } from './dataflow.ts';
import type { GraphSummary } from './graphSummary.ts';
import { nodeScope, type NodeScope } from './scope.ts';

/** Module names connectors go by, across LLaVA, Qwen-VL, Idefics, SmolVLM, DeepSeek-VL, Phi and others. */
export const CONNECTOR_SCOPES: readonly string[] = [
  'multi_modal_projector',
  'multimodal_projector',
  'connector',
  'modality_projection',
  'merger',
  'mm_projector',
  'image_projection',
  'aligner',
];

/** A connector module found in the graph, with the activations crossing its border. */
export interface ConnectorScope {
  /** Atoms of the module path up to and including the connector's name, joined by "." (the key). */
  readonly key: string;
  readonly display: string;
  readonly source: NodeScope['source'];
  readonly nodes: readonly number[];
  /** Activations consumed inside from outside, in order of first use. */
  readonly entries: readonly { readonly tensor: string; readonly consumer: number }[];
  /** Activations produced inside and used outside (or graph outputs), in production order. */
  readonly exits: readonly string[];
}

/** Connector atom position in a scope path: the outermost atom that names a connector. */
function connectorPrefix(scope: NodeScope): { key: string; display: string } | null {
  const at = scope.atoms.findIndex((a) => CONNECTOR_SCOPES.includes(a));
  if (at < 0) return null;
  const atoms = scope.atoms.slice(0, at + 1);
  // The display keeps the exporter's separators: cut the written path after the same atom.
  const separator = scope.source === 'name' ? '/' : '.';
  let display = '';
  let count = 0;
  for (const part of scope.display.split(separator)) {
    display = display === '' ? part : `${display}${separator}${part}`;
    count += part.split('.').filter((a) => a !== '').length;
    if (count >= atoms.length) break;
  }
  return { key: atoms.join('.'), display };
}

/** Every connector-named module in the graph with its entries and exits. */
export function connectorScopes(summary: GraphSummary, flow: Dataflow = dataflow(summary)): ConnectorScope[] {
  const groups = new Map<string, { display: string; source: NodeScope['source']; nodes: number[] }>();
  for (const i of flow.order) {
    const node = summary.nodes[i]!;
    const scope = nodeScope(node);
    const prefix = scope ? connectorPrefix(scope) : null;
    if (!scope || !prefix) continue;
    const group = groups.get(prefix.key) ?? { display: prefix.display, source: scope.source, nodes: [] };
    group.nodes.push(i);
    groups.set(prefix.key, group);
  }
  const outputs = new Set(summary.outputs);
  return [...groups].map(([key, g]) => {
    const inside = new Set(g.nodes);
    const entries: { tensor: string; consumer: number }[] = [];
    const seen = new Set<string>();
    const exits: string[] = [];
    for (const i of g.nodes) {
      const node = summary.nodes[i]!;
      for (const input of node.inputs) {
        if (seen.has(input) || !flow.activations.has(input)) continue;
        const from = flow.producer.get(input);
        if (from !== undefined && inside.has(from)) continue;
        seen.add(input);
        entries.push({ tensor: input, consumer: i });
      }
      for (const out of node.outputs) {
        if (!flow.activations.has(out) || flow.producer.get(out) !== i) continue;
        const usedOutside = (flow.consumers.get(out) ?? []).some((c) => !inside.has(c));
        if (usedOutside || outputs.has(out)) exits.push(out);
      }
    }
    return { key, display: g.display, source: g.source, nodes: g.nodes, entries, exits };
  });
}

/** Which exit is the connector's output: a graph output if one is, else the last produced. */
export function connectorOutput(scope: ConnectorScope, summary: GraphSummary): string | null {
  return scope.exits.find((e) => summary.outputs.includes(e)) ?? scope.exits[scope.exits.length - 1] ?? null;
}
