/**
 * Everything the tap picker shows about a model, as plain data that crosses a worker boundary
 * (no Maps, no classes): inputs and outputs with shapes, the automatic boundary or why there is
 * none, and every activation to choose from, ranked.
 */
import { findConnectorBoundary, type BoundaryResult } from './boundary.ts';
import { listCandidates, type Candidate } from './candidates.ts';
import { readGraphSummary, tensorInfo, type TensorInfo } from './graphSummary.ts';
import type { ExportStyle } from './scope.ts';

export interface ModelInspection {
  readonly producer: string;
  readonly nodes: number;
  readonly style: ExportStyle | null;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The automatic choice, without its candidate list (that is `candidates`). */
  readonly boundary: Exclude<BoundaryResult, { found: false }> | { readonly found: false; readonly why: string };
  /** Every activation, best first (the picker's searchable list). */
  readonly candidates: readonly Candidate[];
  /** Weights kept in side files: the files must be chosen with the model. */
  readonly externalWeights: boolean;
}

/** Throws OnnxGraphError for bytes that are not a readable model. */
export function inspectModel(bytes: Uint8Array): ModelInspection {
  const summary = readGraphSummary(bytes);
  const found = findConnectorBoundary(summary);
  const candidates = found.found ? listCandidates(summary) : found.candidates;
  return {
    producer: summary.producer,
    nodes: summary.nodes.length,
    style: found.style,
    inputs: summary.inputs.map((n) => tensorInfo(summary, n)),
    outputs: summary.outputs.map((n) => tensorInfo(summary, n)),
    boundary: found.found ? found : { found: false, why: found.why },
    candidates,
    externalWeights: [...summary.initializers.values()].some((t) => t.external),
  };
}
