/**
 * Where an export's numbers came from: the pack (name and content key), the KNOR settings, the
 * app version and the date. Every exported table starts with it as `#` comment lines and
 * report.json carries it as fields, so a figure made from the files months later still says how
 * it was measured (docs/method.md: the numbers depend on k, the metric and the self mode).
 */
import type { Metric } from '../types.ts';

export interface Provenance {
  readonly pack: { readonly name: string; readonly key: string };
  readonly k: number;
  readonly metric: Metric;
  /** "Paper-compatible": each image counts as its own neighbour. */
  readonly includeSelf: boolean;
  readonly appVersion: string;
  /** When the export was made, ISO 8601; passed in so that writing stays a pure function. */
  readonly exportedAt: string;
}

/** The metric as docs/method.md defines its distance. */
export function metricDescription(metric: Metric): string {
  return metric === 'cosine' ? 'cosine distance (1 - cos)' : 'squared L2 distance';
}

export function selfModeDescription(includeSelf: boolean): string {
  return includeSelf ? 'included (paper-compatible: each image is its own first neighbour)' : 'excluded';
}

/** The comment lines (without '#') that head every exported table. */
export function provenanceLines(p: Provenance): string[] {
  return [
    `Connector Lens export, app version ${p.appVersion}, ${p.exportedAt}`,
    `pack: ${p.pack.name}`,
    `pack content key: ${p.pack.key}`,
    `k: ${p.k}`,
    `metric: ${metricDescription(p.metric)}`,
    `self: ${selfModeDescription(p.includeSelf)}`,
  ];
}
