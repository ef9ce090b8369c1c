/**
 * The benchmark's table: one row per measurement, each a ratio of the app's figure to a
 * reference measured in the same run on the same machine, so the numbers travel between
 * machines. A section that cannot run says why in its row instead of a number.
 */
import { cpus, totalmem } from 'node:os';

export interface BenchRow {
  /** What was measured, e.g. "content hash while reading a 1 GiB model". */
  readonly what: string;
  /** The app's figure, with its unit. */
  readonly app: string;
  /** The reference's figure, with its unit and what it is. */
  readonly reference: string;
  /** app / reference in the direction stated by `better`; null when not measured. */
  readonly ratio: number | null;
  /** How the ratio reads: "higher is better" or "lower is better". */
  readonly better: 'higher' | 'lower';
  /** The target from the issue, e.g. "<= 1.3", or "" when none. */
  readonly target: string;
  /** Whether the target is met; null without a target or a figure. */
  readonly met: boolean | null;
  readonly note: string;
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;
}

export function markdown(rows: readonly BenchRow[], when: Date): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${when.toISOString().slice(0, 10)}; machine: ${machine()}.`,
    'Each ratio compares the app with a reference measured in the same run on the same machine.',
    '',
    '| measurement | app | reference | ratio | target | met | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.app} | ${r.reference} | ${r.ratio !== null ? `${r.ratio.toFixed(2)} (${r.better} is better)` : r.met !== null ? '— (absolute target)' : 'not measured'} | ${r.target || '—'} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} | ${r.note} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
