/**
 * connector-lens: the app's numbers for a folder of images, headless (docs/method.md), with the
 * app's own code: its image checks, preprocessing, ONNX Runtime (WASM), pooling, neighbour search
 * and exports. The entry only parses the command line (args.ts, which holds the usage text),
 * installs Ctrl-C handling and turns outcomes into exit codes (exitCodes.ts); the work is in
 * analyze.ts and merge.ts, which tests call directly.
 *
 * Run it as `npx connector-lens ...` (bin/connector-lens.mjs) or `npm run cli -- ...`.
 *
 * An output folder (--out):
 *   pre-block-<id>.safetensors    per image: one float32 tensor "block" [T, d_v], the encoder's
 *   post-block-<id>.safetensors   tokens, and [T', d_l], the connector's (blockFiles.ts); <id> is
 *                                 the image's index in the folder's sorted list, zero-padded
 *                                 (6 digits at least), so shards never collide
 *   labels.csv                    file (block id), label, path: the app reads it when the folder
 *                                 is opened as a block store
 *   images.json                   block id -> path, content hash, label, shard
 *   store.json                    pack name and content key, shapes, settings, listing, shard,
 *                                 failed images, whether the run finished (storeRecord.ts)
 * and, after an unsharded analyze or a merge (sessionOutput.ts):
 *   knor.json                     ids, k, metric, includeSelf, nnPre, nnPost, perImage, mean,
 *                                 precision@k by label
 *   images.csv, neighbours.csv, vectors_pre.tsv, vectors_post.tsv, metadata.tsv, report.json
 *                                 the app's session export (core/export/sessionBundle.ts)
 */
import { describeFailure, errorText } from '../src/core/errors.ts';
import type { RunControl } from './analyze.ts';
import { appVersion } from './appVersion.ts';
import { parseArgs, type Command } from './args.ts';
import { EXIT, isUsageError, type ExitCode } from './exitCodes.ts';
import { consoleReporter } from './reporter.ts';

/** Ctrl-C once: stop after the current image. Twice: stop now. */
function ctrlC(say: (text: string) => void): RunControl & { dispose(): void } {
  let requested = false;
  const onSignal = () => {
    if (requested) {
      say('Stopping now; the image in progress is not written.');
      process.exit(EXIT.interrupted);
    }
    requested = true;
    say('Stopping after the current image (Ctrl-C again to stop at once)...');
  };
  process.on('SIGINT', onSignal);
  return { stopRequested: () => requested, dispose: () => void process.off('SIGINT', onSignal) };
}

/** For a failure nobody foresaw: what happened in words, the raw text with --verbose. */
function unexpectedMessage(error: unknown, doing: string, verbose: boolean): string {
  const failure = describeFailure(error, doing);
  const details = verbose ? '' : ' Run again with --verbose for the details.';
  if (failure.code === 'out-of-memory')
    return `Node ran out of memory while trying to ${doing}. Split the folder with --shard, or give Node more memory (NODE_OPTIONS=--max-old-space-size=8192).${details}`;
  return `Could not ${doing}: an unexpected error (a bug, or a failure of ONNX Runtime).${details} The details help a bug report.`;
}

async function run(argv: readonly string[]): Promise<ExitCode> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${errorText(error)}\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${command.text}\n`);
    return EXIT.ok;
  }
  if (command.kind === 'version') {
    process.stdout.write(`connector-lens ${appVersion()}\n`);
    return EXIT.ok;
  }
  const reporter = consoleReporter({ verbose: command.verbose });
  let control: ReturnType<typeof ctrlC> | null = null;
  try {
    // Loaded only now: --help and usage errors answer without loading ONNX Runtime.
    if (command.kind === 'analyze') {
      control = ctrlC((text) => reporter.say('warning', text));
      return await (await import('./analyze.ts')).analyze(command.args, reporter, control);
    }
    // A merge is short and stops nowhere in between: Ctrl-C ends it as it ends any command.
    return await (await import('./merge.ts')).merge(command.args, reporter);
  } catch (error) {
    if (isUsageError(error)) {
      reporter.say('error', error.message, error.cause);
      return EXIT.usage;
    }
    reporter.say('error', unexpectedMessage(error, command.kind === 'analyze' ? 'analyse the images' : 'merge the shards', command.verbose), error);
    return EXIT.someFailed;
  } finally {
    control?.dispose();
  }
}

process.exitCode = await run(process.argv.slice(2));
