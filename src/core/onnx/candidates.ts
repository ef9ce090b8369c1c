/**
 * Every activation of a graph as a tap candidate, ranked so that the likely connector boundary
 * comes first, and a search over them for the picker. The ranking is a heuristic for people
 * scrolling a list; the automatic choice is findConnectorBoundary's.
 */
import { connectorOutput, connectorScopes } from './connectorScope.ts';
import { dataflow, type Dataflow } from './dataflow.ts';
import { tensorInfo, type Dim, type GraphSummary, type TensorInfo } from './graphSummary.ts';
import { nodeScope } from './scope.ts';

export type CandidateTag = 'connector input' | 'connector output' | 'graph output' | 'graph input' | 'leaves a module';

export interface Candidate {
  readonly name: string;
  readonly info: TensorInfo;
  /** The producing node's op and name; null for a graph input. */
  readonly op: string | null;
  readonly producer: string | null;
  /** The producing node's module path ("" when unknown). */
  readonly scope: string;
  readonly tags: readonly CandidateTag[];
  readonly score: number;
}

const SCORES: Readonly<Record<CandidateTag, number>> = {
  'connector input': 2000,
  'connector output': 1500,
  'graph output': 300,
  'leaves a module': 200,
  'graph input': 0,
};

/** The top module of a path, ignoring the builder's "model" wrapper. */
const topModule = (atoms: readonly string[] | undefined): string => (atoms?.[0] === 'model' ? atoms[1] : atoms?.[0]) ?? '';

/**
 * All activations, best first: connector input and output, then graph outputs and tensors that
 * leave a top-level module (an encoder's result), then token-shaped ones (rank 3, then rank 2),
 * then later in the graph before earlier.
 */
export function listCandidates(summary: GraphSummary, flow: Dataflow = dataflow(summary)): Candidate[] {
  const tags = new Map<string, CandidateTag[]>();
  const tag = (name: string, t: CandidateTag) => {
    const list = tags.get(name) ?? [];
    if (!list.includes(t)) list.push(t);
    tags.set(name, list);
  };
  for (const s of connectorScopes(summary, flow)) {
    if (s.entries[0]) tag(s.entries[0].tensor, 'connector input');
    const out = connectorOutput(s, summary);
    if (out !== null) tag(out, 'connector output');
  }
  for (const o of summary.outputs) tag(o, 'graph output');
  for (const i of summary.inputs) tag(i, 'graph input');
  const scopes = summary.nodes.map(nodeScope);
  const position = new Map<number, number>(flow.order.map((node, at) => [node, at]));
  const out: (Candidate & { readonly at: number })[] = [];
  for (const name of flow.activations) {
    const from = flow.producer.get(name);
    const scope = from === undefined ? null : (scopes[from] ?? null);
    if (scope && (flow.consumers.get(name) ?? []).some((c) => topModule(scopes[c]?.atoms) !== topModule(scope.atoms))) tag(name, 'leaves a module');
    const info = tensorInfo(summary, name);
    const rank = info.dims?.length;
    const own = tags.get(name) ?? [];
    const score = own.reduce((s, t) => s + SCORES[t], 0) + (rank === 3 ? 100 : rank === 2 ? 50 : 0);
    const node = from === undefined ? null : summary.nodes[from]!;
    out.push({
      name,
      info,
      op: node?.op ?? null,
      producer: node?.name ?? null,
      scope: scope?.display ?? '',
      tags: own,
      score,
      at: from === undefined ? -1 : (position.get(from) ?? -1),
    });
  }
  out.sort((a, b) => b.score - a.score || b.at - a.at);
  return out.map(({ at: _at, ...c }) => c);
}

/** "[1, 576, 1024]"; "?" for an open dimension, "[?]" when the rank is unknown. */
export function formatShape(dims: readonly Dim[] | null): string {
  return dims === null ? '[?]' : `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** A tensor's declared shape, as formatShape writes it. */
export const formatDims = (info: TensorInfo): string => formatShape(info.dims);

/**
 * Candidates matching every word of the query (case-insensitive) in the tensor name, op,
 * producer, module path, shape or tags; ranking kept. An empty query keeps them all.
 */
export function searchCandidates(candidates: readonly Candidate[], query: string): Candidate[] {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return [...candidates];
  return candidates.filter((c) => {
    const haystack = [c.name, c.op ?? '', c.producer ?? '', c.scope, formatDims(c.info), ...c.tags].join('\n').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}
