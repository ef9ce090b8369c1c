/**
 * Find the connector boundary in a vision-language model's graph: the activation that enters the
 * connector (pre-projection tokens, docs/method.md's V) and the one that leaves it (P).
 *
 * The definition follows the reference code, which hooks the input and output of the connector
 * module (`multi_modal_projector` in LLaVA, `model.connector` in Idefics2/3, `visual.merger` in
 * Qwen2-VL/2.5-VL): V is the tensor consumed by the connector's first node that comes from outside
 * the connector and is neither a weight nor a constant. That is not always the encoder's last
 * layer: LLaVA-1.5 feeds hidden_states[-2] with CLS dropped (a Slice before the projector), and
 * Qwen's merger starts with its own LayerNorm (ln_q), which belongs to the connector.
 */
import { listCandidates, type Candidate } from './candidates.ts';
import { CONNECTOR_SCOPES, connectorOutput, connectorScopes } from './connectorScope.ts';
import { dataflow } from './dataflow.ts';
import { tensorInfo, type GraphSummary, type TensorInfo } from './graphSummary.ts';
import { exportStyle, type ExportStyle } from './scope.ts';

export interface ConnectorBoundary {
  readonly found: true;
  /** The tensor entering the connector: pre-projection tokens. */
  readonly tensor: string;
  /** The tensor leaving it: post-projection tokens; null if nothing leaves the scope (dead branch). */
  readonly post: string | null;
  readonly preInfo: TensorInfo;
  readonly postInfo: TensorInfo | null;
  /** The connector's module path, as the exporter wrote it ("multi_modal_projector", "model.connector"). */
  readonly scope: string;
  readonly style: ExportStyle;
  /** high: one connector, one activation enters it, something leaves it; medium: a choice was made. */
  readonly confidence: 'high' | 'medium';
  /** Why this tensor, in words, naming the nodes involved. */
  readonly why: string;
  /** Other activations entering the same connector, if any (the one consumed first was taken). */
  readonly alternatives: readonly string[];
}

export interface BoundaryNotFound {
  readonly found: false;
  readonly style: ExportStyle | null;
  readonly why: string;
  /** Every activation, best guesses first; the user picks one. */
  readonly candidates: readonly Candidate[];
}

export type BoundaryResult = ConnectorBoundary | BoundaryNotFound;

const describeNode = (summary: GraphSummary, i: number | undefined): string => {
  if (i === undefined) return 'a graph input';
  const n = summary.nodes[i]!;
  return `node ${JSON.stringify(n.name || `#${i}`)} (${n.op})`;
};

/** The connector boundary, or why none was found together with every activation to choose from. */
export function findConnectorBoundary(summary: GraphSummary): BoundaryResult {
  const flow = dataflow(summary);
  const style = exportStyle(summary);
  const scopes = connectorScopes(summary, flow).filter((s) => s.entries.length > 0);
  if (scopes.length === 0) {
    const why =
      style === null
        ? 'the node names carry no module paths (neither "/module/Op" names nor name_scopes metadata), so the connector cannot be located by name'
        : `no module named ${CONNECTOR_SCOPES.join(', ')} takes an activation from outside it`;
    return { found: false, style, why, candidates: listCandidates(summary, flow) };
  }
  // Prefer a connector that produces something used after it, then the bigger one.
  const ranked = [...scopes].sort((a, b) => Number(b.exits.length > 0) - Number(a.exits.length > 0) || b.nodes.length - a.nodes.length);
  const chosen = ranked[0]!;
  const entry = chosen.entries[0]!;
  const post = connectorOutput(chosen, summary);
  const notes: string[] = [];
  if (chosen.entries.length > 1) notes.push(`${chosen.entries.length} activations enter it; the one its first node consumes was taken`);
  if (scopes.length > 1)
    notes.push(
      `other connector-named modules: ${ranked
        .slice(1)
        .map((s) => JSON.stringify(s.display))
        .join(', ')}`,
    );
  if (post === null) notes.push('nothing computed inside it is used afterwards');
  const why =
    `the first node of ${JSON.stringify(chosen.display)} that takes an activation from outside, ${describeNode(summary, entry.consumer)}, ` +
    `consumes ${JSON.stringify(entry.tensor)} from ${describeNode(summary, flow.producer.get(entry.tensor))}` +
    (post === null ? '' : `; ${JSON.stringify(post)} leaves the connector`) +
    (notes.length > 0 ? ` (${notes.join('; ')})` : '');
  return {
    found: true,
    tensor: entry.tensor,
    post,
    preInfo: tensorInfo(summary, entry.tensor),
    postInfo: post === null ? null : tensorInfo(summary, post),
    scope: chosen.display,
    // A graph of mixed naming still had a scope: say how that scope was read.
    style: style ?? (chosen.source === 'metadata' ? 'dynamo' : 'torchscript'),
    confidence: notes.length === 0 ? 'high' : 'medium',
    why,
    alternatives: chosen.entries.slice(1).map((e) => e.tensor),
  };
}
