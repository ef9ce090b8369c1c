/**
 * The command line, parsed and checked at the boundary: every mistake is a UsageError (exit 2)
 * whose message names the flag and what it takes. Flags may come before or after the
 * positionals, as `--k 5` or `--k=5`.
 */
import type { Metric } from '../src/core/types.ts';
import { UsageError } from './exitCodes.ts';

export interface Shard {
  /** 0-based: this run takes the images whose index j in the sorted list has j mod count = index. */
  readonly index: number;
  readonly count: number;
}

export interface KnorSettings {
  readonly k: number;
  readonly metric: Metric;
  /** Paper-compatible: each image counts as its own first neighbour (docs/method.md). */
  readonly includeSelf: boolean;
}

export interface AnalyzeArgs extends KnorSettings {
  readonly imagesDir: string;
  /** A built-in pack id (models/<id>/) or a pack folder. */
  readonly pack: string;
  readonly out: string;
  readonly labels: string | null;
  readonly shard: Shard | null;
  /** Train the reconstructor for this many epochs (at most: early stopping) and export its losses and weights; null: do not train. */
  readonly train: number | null;
}

export interface MergeArgs {
  readonly shardDirs: readonly string[];
  readonly out: string;
}

export type Command =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'analyze'; readonly args: AnalyzeArgs; readonly verbose: boolean }
  | { readonly kind: 'merge'; readonly args: MergeArgs; readonly verbose: boolean };

export const DEFAULT_K = 10;

export const USAGE = `connector-lens: the Connector Lens numbers (KNOR, neighbour lists, precision@k) for a folder
of images, with the app's own code (docs/method.md).

Usage:
  connector-lens analyze <images-dir> --pack <id|dir> --out <dir> [options]
  connector-lens merge <shard-out-dir>... --out <dir>
  connector-lens --help | --version

analyze: embed every PNG and JPEG under <images-dir> (recursively, sorted by path), write each
image's pre- and post-projection tokens as blocks, then KNOR and neighbour lists.
  --pack <id|dir>    a built-in pack (mnv2-mlp, vit-mlp, ...: models/index.json) or a pack folder
                     holding manifest.json and its ONNX files (docs/model-pack.md)
  --out <dir>        where to write; a new or empty folder
  --k <n>            neighbours per image (default ${DEFAULT_K})
  --metric <m>       cosine (default) or l2 (squared L2 distance)
  --include-self     paper-compatible: count each image as its own first neighbour
  --labels <file>    labels from a CSV/TSV/JSON file (file name, label), as the app reads them;
                     without it, an image's label is the first sub-folder it sits in
  --shard <i>/<n>    take only images j with j mod n = i (0 <= i < n), to split a folder over
                     n machines; writes blocks and metadata only: join the n outputs with merge
  --train <epochs>   also train the reconstructor (the app's code and settings, at most <epochs>
                     epochs, early stopping) and write patch_loss.npy/.json and
                     reconstructor.safetensors/.json (docs/reconstructor-in-pytorch.md); the
                     heatmap and chart figures are drawn by the app: open the folder there
merge: join the output folders of all n shards of one folder into one store, then KNOR.
  --out <dir>        where to write the merged store; a new or empty folder
Both:
  --verbose          show raw error text (the runtime's own words) with each failure

Output: pre-block-<id>.safetensors and post-block-<id>.safetensors per image (<id>: its index in
the sorted list), labels.csv, images.json and store.json; after an unsharded analyze or a merge
also knor.json and the app's session export (images.csv, neighbours.csv, vectors_*.tsv,
metadata.tsv, report.json; with --train also patch_loss.* and reconstructor.*). Open the folder in the app as a block store to browse it.

Exit codes: 0 done; 1 finished, but some images failed (listed) or KNOR could not be computed;
2 bad usage or unusable inputs (nothing written); 130 stopped by Ctrl-C (what was written is listed).`;

const HELP_HINT = 'Run connector-lens --help for usage.';

const usage = (message: string) => new UsageError(`${message} ${HELP_HINT}`);

interface RawArgs {
  readonly positionals: string[];
  readonly values: Map<string, string>;
  readonly switches: Set<string>;
}

const VALUE_FLAGS = new Set(['pack', 'out', 'k', 'metric', 'labels', 'shard', 'train']);
const SWITCHES = new Set(['include-self', 'verbose', 'help', 'version']);

function split(argv: readonly string[]): RawArgs {
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      switches.add('help');
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1) throw usage(`Unknown option ${arg}.`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (SWITCHES.has(name)) {
      if (eq >= 0) throw usage(`--${name} takes no value (got ${arg}).`);
      switches.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw usage(`Unknown option --${name}.`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw usage(`--${name} needs a value.`);
      i++;
    }
    if (values.has(name)) throw usage(`--${name} is given twice; give it once.`);
    values.set(name, value);
  }
  return { positionals, values, switches };
}

export function parseShard(text: string): Shard {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index >= count) throw usage(`--shard takes i/n with 0 <= i < n, e.g. --shard 0/4 for the first of four machines (got "${text}").`);
  return { index, count };
}

function parseK(text: string): number {
  const k = /^\d{1,6}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(k >= 1)) throw usage(`--k takes a whole number of neighbours, 1 or more (got "${text}").`);
  return k;
}

function parseEpochs(text: string): number {
  const epochs = /^\d{1,5}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(epochs >= 1)) throw usage(`--train takes a whole number of epochs, 1 or more, e.g. --train 40 (got "${text}").`);
  return epochs;
}

function parseMetric(text: string): Metric {
  if (text === 'cosine' || text === 'l2') return text;
  throw usage(`--metric takes cosine or l2 (got "${text}").`);
}

function only(raw: RawArgs, command: string, allowed: readonly string[]): void {
  for (const name of [...raw.values.keys(), ...raw.switches]) {
    if (!allowed.includes(name)) throw usage(`${command} takes no --${name}.`);
  }
}

function required(raw: RawArgs, command: string, name: string, what: string): string {
  const v = raw.values.get(name);
  if (v === undefined || v.trim() === '') throw usage(`${command} needs --${name} ${what}.`);
  return v;
}

export function parseArgs(argv: readonly string[]): Command {
  const raw = split(argv);
  const verbose = raw.switches.has('verbose');
  const [command, ...rest] = raw.positionals;
  if (raw.switches.has('help') || command === 'help') return { kind: 'help', text: USAGE };
  if (raw.switches.has('version') && command === undefined) return { kind: 'version' };
  if (command === undefined) throw usage('Say what to do: analyze or merge.');
  if (command === 'analyze') {
    only(raw, 'analyze', ['pack', 'out', 'k', 'metric', 'labels', 'shard', 'train', 'include-self', 'verbose']);
    if (rest.length === 0) throw usage('analyze needs the folder of images, e.g. connector-lens analyze photos/ --pack mnv2-mlp --out results/.');
    if (rest.length > 1)
      throw usage(
        `analyze takes one folder of images; got ${rest.length} (${rest.join(', ')}). Put the images under one folder, or run analyze once per folder.`,
      );
    const shard = raw.values.get('shard');
    const labels = raw.values.get('labels');
    const train = raw.values.get('train');
    if (train !== undefined && shard !== undefined)
      throw usage(
        '--train needs every image, and a shard has only its slice: run the shards without it, join them with merge, then open the merged folder in the app to train.',
      );
    return {
      kind: 'analyze',
      verbose,
      args: {
        imagesDir: rest[0]!,
        pack: required(raw, 'analyze', 'pack', '<id|dir> (a built-in pack such as mnv2-mlp, or a pack folder)'),
        out: required(raw, 'analyze', 'out', '<dir> (a new or empty folder for the results)'),
        k: raw.values.has('k') ? parseK(raw.values.get('k')!) : DEFAULT_K,
        metric: raw.values.has('metric') ? parseMetric(raw.values.get('metric')!) : 'cosine',
        includeSelf: raw.switches.has('include-self'),
        labels: labels === undefined ? null : labels,
        shard: shard === undefined ? null : parseShard(shard),
        train: train === undefined ? null : parseEpochs(train),
      },
    };
  }
  if (command === 'merge') {
    only(raw, 'merge', ['out', 'verbose']);
    if (rest.length === 0) throw usage('merge needs the output folders of the shards, e.g. connector-lens merge out-0 out-1 --out merged.');
    return { kind: 'merge', verbose, args: { shardDirs: rest, out: required(raw, 'merge', 'out', '<dir> (a new or empty folder for the merged store)') } };
  }
  throw usage(`Unknown command "${command}"; the commands are analyze and merge.`);
}
