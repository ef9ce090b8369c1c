/**
 * npm run bench [-- --only identity]
 *
 * Prints one table of ratios, each the app's figure against a reference measured in the same run,
 * and writes it to docs/benchmarks.md with the machine and the date. No test asserts a timing:
 * the figures are for people (and the README) to read. With --only, the table is printed but
 * docs/benchmarks.md is left as it is: it holds one whole run, never a mix of runs.
 *
 * Sections:
 * - identity: what a model's content key adds to reading its file (scripts/bench/identity.ts);
 * - knn: kNN + KNOR at N = 10,000, d = 1024 and 4096, against FAISS (scripts/bench/knn.ts);
 * - training: reconstructor tokens/s, tfjs WASM against PyTorch CPU (scripts/bench/training.ts);
 * - inference: encoder + connector, ORT-web WASM in headless Chromium and in Node against native ONNX Runtime (scripts/bench/inference.ts);
 * - first-visit: first KNOR, first heatmap and one dropped image, timed in headless Chromium (scripts/bench/firstVisit.ts);
 * - scale: 1,000 LLaVA-size images and 10,000 pooled ones in one tab, its peak memory (scripts/bench/scale.ts).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { identityBench } from './bench/identity.ts';
import { knnBench } from './bench/knn.ts';
import { trainingBench } from './bench/training.ts';
import { inferenceBench } from './bench/inference.ts';
import { firstVisitBench } from './bench/firstVisit.ts';
import { scaleBench } from './bench/scale.ts';
import { markdown, type BenchRow } from './bench/report.ts';

const SECTIONS: Readonly<Record<string, () => Promise<BenchRow[]>>> = {
  identity: () => identityBench(),
  knn: () => knnBench(),
  training: () => trainingBench(),
  inference: () => inferenceBench(),
  'first-visit': () => firstVisitBench(),
  scale: () => scaleBench(),
};

async function main(): Promise<void> {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : Object.keys(SECTIONS);
  const unknown = only.filter((s) => !(s in SECTIONS));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; expected some of ${Object.keys(SECTIONS).join(', ')}`);
  const rows: BenchRow[] = [];
  for (const name of only) {
    console.log(`bench: ${name}…`);
    rows.push(...(await SECTIONS[name]!()));
  }
  const text = markdown(rows, new Date());
  console.log(`\n${text}`);
  if (onlyAt >= 0) {
    console.log('bench: --only: docs/benchmarks.md not rewritten (it holds one whole run); run without --only to update it.');
    return;
  }
  writeFileSync(resolve(import.meta.dirname, '../docs/benchmarks.md'), text);
}

void main();
