/**
 * connector-lens analyze: a folder of images through a pack, as the app runs them, into the
 * paper's block store, then (unsharded) KNOR and the session export.
 *
 * Order of work: every argument and input is checked first (folder, label file, pack, output
 * folder), so bad usage writes nothing; then the images one at a time: read, hash, check and decode
 * (decodeImage.ts), embed (the app's preprocessing and runner), write the two blocks. An image
 * that fails is listed with its message and the rest go on. Ctrl-C stops after the current image;
 * the metadata is then written marked incomplete. store.json is written last.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, UserFacingError } from '../src/core/errors.ts';
import { hashBytes } from '../src/core/identity/contentHash.ts';
import { firstNonFinite, meanPool } from '../src/core/knn/pool.ts';
import type { AnalyzeArgs } from './args.ts';
import { appVersion } from './appVersion.ts';
import { blockFileName, encodeBlock } from './blockFiles.ts';
import { decodeImageFile } from './decodeImage.ts';
import { EXIT, UsageError, type ExitCode } from './exitCodes.ts';
import { finishAnalysis, stackRows } from './finishAnalysis.ts';
import { fileLabeller, folderLabeller, labelsCsv, type Labeller } from './imageLabels.ts';
import { idDigits, imageId, listImageFolder, listingHash, shardFiles, type ListedFile } from './imageFolder.ts';
import { neighboursBlocked } from './neighbours.ts';
import { checkOutputFolder, createOutputFolder } from './outputFolder.ts';
import { openPackAt, resolvePack, type OpenedPack } from './packLoader.ts';
import type { Reporter } from './reporter.ts';
import { MIN_TRAIN_IMAGES, trainForExport, type TrainedReconstruction } from './trainReconstruction.ts';
import type { AnalysedImage } from './sessionOutput.ts';
import {
  IMAGES_FILE,
  LABELS_FILE,
  shardText,
  STORE_FILE,
  STORE_FORMAT,
  STORE_FORMAT_VERSION,
  writeJson,
  type FailedImage,
  type ImageRecord,
  type StoreRecord,
} from './storeRecord.ts';

export interface RunControl {
  /** True once the user asked to stop (Ctrl-C): the loop ends after the current image. */
  readonly stopRequested: () => boolean;
}

export const NEVER_STOP: RunControl = { stopRequested: () => false };

/** Failures shown one by one; beyond this many, the rest are counted (store.json lists all). */
const SHOWN_FAILURES = 20;

interface Embedded extends AnalysedImage {
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
  /** The whole token matrices, kept only to train on (--train). */
  readonly tokens: { readonly pre: Float32Array; readonly post: Float32Array } | null;
}

function readImage(file: ListedFile): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file.absPath));
  } catch (error) {
    throw new UserFacingError(
      `${file.relPath} could not be read (${(error as NodeJS.ErrnoException).code ?? 'read error'}). Check its permissions and run again.`,
      { cause: error },
    );
  }
}

async function embedOne(
  pack: OpenedPack,
  file: ListedFile,
  digits: number,
  labeller: Labeller,
  out: string,
  reporter: Reporter,
  keepTokens: boolean,
): Promise<Embedded> {
  const bytes = readImage(file);
  const contentHash = await hashBytes(bytes);
  const decoded = decodeImageFile(bytes, file.relPath);
  for (const notice of decoded.notices) reporter.say('info', notice);
  const { pre, post } = await pack.runner.embedImage(decoded.image);
  // The app's words (workers/inference.worker.ts): such an image is left out.
  if (firstNonFinite(pre) >= 0) throw new UserFacingError(`${file.relPath}: the encoder produced NaN or Inf for this image; it is left out of the analysis`);
  if (firstNonFinite(post) >= 0) throw new UserFacingError(`${file.relPath}: the connector produced NaN or Inf for this image; it is left out of the analysis`);
  const { tokens } = pack.manifest;
  const id = imageId(file.index, digits);
  const meta = { id, file: file.relPath, imageHash: contentHash, modelKey: pack.modelKey };
  writeFileSync(join(out, blockFileName('pre', id)), encodeBlock('pre', pre, tokens.pre, tokens.dPre, meta));
  writeFileSync(join(out, blockFileName('post', id)), encodeBlock('post', post, tokens.post, tokens.dPost, meta));
  return {
    id,
    file: file.relPath,
    contentHash,
    label: labeller.labelOf(file.relPath),
    pooledPre: meanPool(pre, 1, tokens.pre, tokens.dPre),
    pooledPost: meanPool(post, 1, tokens.post, tokens.dPost),
    tokens: keepTokens ? { pre, post } : null,
  };
}

export function reportFailures(failed: readonly FailedImage[], tried: number, reporter: Reporter): void {
  if (failed.length === 0) return;
  reporter.say('error', `${failed.length} of ${tried} images failed and are left out:`);
  for (const f of failed.slice(0, SHOWN_FAILURES)) reporter.say('error', `  ${f.message}`);
  if (failed.length > SHOWN_FAILURES)
    reporter.say('error', `  ... and ${failed.length - SHOWN_FAILURES} more (every one is listed under "failed" in ${STORE_FILE}).`);
}

/** Same bytes twice: the app admits them with a warning, so does this. */
function warnDuplicates(images: readonly AnalysedImage[], reporter: Reporter): void {
  const seen = new Map<string, string>();
  const pairs: [string, string][] = [];
  for (const image of images) {
    const first = seen.get(image.contentHash);
    if (first === undefined) seen.set(image.contentHash, image.file);
    else pairs.push([image.file, first]);
  }
  if (pairs.length === 0) return;
  const [a, b] = pairs[0]!;
  const which = pairs.length === 1 ? `${a} has the same bytes as ${b}` : `${pairs.length} images have the same bytes as another (e.g. ${a} and ${b})`;
  reporter.say(
    'warning',
    `${which}. Copies are each other's nearest neighbours at distance 0, which raises KNOR; remove them from the folder if that is not what you want.`,
  );
}

export async function analyze(args: AnalyzeArgs, reporter: Reporter, control: RunControl = NEVER_STOP): Promise<ExitCode> {
  // 1. Everything checked before anything is written.
  const files = listImageFolder(args.imagesDir);
  if (files.length === 0)
    throw new UsageError(
      `${args.imagesDir} holds no image files (hidden files and .csv/.tsv/.json/.txt/.md files are not counted). Give the folder that holds the PNG and JPEG images.`,
    );
  if (neighboursBlocked(files.length, args)) {
    const needed = args.includeSelf ? args.k : args.k + 1;
    throw new UsageError(
      `KNOR with k = ${args.k} needs at least ${needed} images; ${args.imagesDir} holds ${files.length} ${files.length === 1 ? 'file' : 'files'}. Lower --k or add images.`,
    );
  }
  checkOutputFolder(args.out, [args.imagesDir]);
  const mine = shardFiles(files, args.shard);
  const labeller =
    args.labels === null
      ? folderLabeller
      : await fileLabeller(
          args.labels,
          mine.map((f) => f.relPath),
          reporter,
        );
  const pack = await openPackAt(resolvePack(args.pack));
  try {
    const digits = idDigits(files.length);
    const listing = await listingHash(files);
    const shardNote = args.shard ? ` (shard ${shardText(args.shard)}: ${mine.length} of ${files.length})` : '';
    reporter.say(
      'info',
      `Embedding ${mine.length} images${shardNote} with ${pack.manifest.id} (${pack.runner.ep}, model key ${pack.modelKey.slice(0, 15)}...).`,
    );

    // 2. The images.
    createOutputFolder(args.out);
    const embedded: Embedded[] = [];
    const failed: FailedImage[] = [];
    const progress = reporter.progress('images', mine.length);
    let tried = 0;
    for (const file of mine) {
      // A turn of the event loop between images: ONNX Runtime's WASM runs inside promise jobs,
      // which never let Node deliver a signal, so without it Ctrl-C would wait for the last image.
      await new Promise((resolve) => setImmediate(resolve));
      if (control.stopRequested()) break;
      try {
        embedded.push(await embedOne(pack, file, digits, labeller, args.out, reporter, args.train !== null));
      } catch (error) {
        const message = describeFailure(error, `embed ${file.relPath}`).message;
        failed.push({ index: file.index, file: file.relPath, message });
        reporter.say('error', message, error);
      }
      tried++;
      progress.update(tried);
    }
    progress.finish();
    const stopped = tried < mine.length;

    // 3. Metadata, store.json last.
    const images: Record<string, ImageRecord> = {};
    for (const e of embedded) images[e.id] = { file: e.file, contentHash: e.contentHash, label: e.label, shard: shardText(args.shard) };
    writeFileSync(join(args.out, LABELS_FILE), labelsCsv(embedded));
    writeJson(args.out, IMAGES_FILE, images);
    const { tokens } = pack.manifest;
    const record: StoreRecord = {
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      appVersion: appVersion(),
      pack: { id: pack.manifest.id, name: pack.manifest.name, modelKey: pack.modelKey },
      shapes: { pre: [tokens.pre, tokens.dPre], post: [tokens.post, tokens.dPost] },
      count: embedded.length,
      listed: files.length,
      listingHash: listing,
      idDigits: digits,
      shard: args.shard,
      settings: { k: args.k, metric: args.metric, includeSelf: args.includeSelf },
      labels: labeller.source,
      failed,
      complete: !stopped,
    };
    writeJson(args.out, STORE_FILE, record);
    warnDuplicates(embedded, reporter);
    reportFailures(failed, tried, reporter);

    const written = `${embedded.length} pre and ${embedded.length} post blocks, ${LABELS_FILE}, ${IMAGES_FILE} and ${STORE_FILE}`;
    if (stopped) {
      reporter.say(
        'warning',
        `Stopped after ${tried} of ${mine.length} images (Ctrl-C): wrote ${written} (marked incomplete) to ${args.out}. KNOR was not computed. Run again into a new --out folder to analyse every image.`,
      );
      return EXIT.interrupted;
    }
    reporter.out(`Embedded ${embedded.length} of ${mine.length} images${shardNote} with ${pack.manifest.id}: wrote ${written} to ${args.out}.`);
    if (args.shard) {
      reporter.out(
        `This is shard ${shardText(args.shard)}: KNOR needs every shard. When all ${args.shard.count} have run, join their folders with connector-lens merge <folders...> --out <dir>.`,
      );
      return failed.length > 0 ? EXIT.someFailed : EXIT.ok;
    }

    // 4. The reconstructor, when asked for: trained before the files are written, so they carry its losses.
    let trained: TrainedReconstruction | null = null;
    if (args.train !== null) {
      if (embedded.length < MIN_TRAIN_IMAGES) {
        reporter.say(
          'warning',
          `--train needs at least ${MIN_TRAIN_IMAGES} embedded images (one or more are held out for validation); ${embedded.length} are. No reconstructor was trained.`,
        );
      } else {
        try {
          trained = await trainForExport(
            pack.manifest,
            {
              pre: stackRows(
                embedded.map((e) => e.tokens!.pre),
                tokens.pre * tokens.dPre,
              ),
              post: stackRows(
                embedded.map((e) => e.tokens!.post),
                tokens.post * tokens.dPost,
              ),
              images: embedded.length,
            },
            args.train,
            reporter,
            control,
          );
          reporter.out(
            `Trained the reconstructor on ${trained.backend}: ${trained.reconstruction.description}, best validation loss ${trained.bestValidationLoss.toFixed(4)} at epoch ${trained.bestEpoch}.`,
          );
        } catch (error) {
          if (error instanceof Error && error.name === 'AbortError') {
            reporter.say(
              'warning',
              `Training stopped (Ctrl-C). The blocks and metadata are written to ${args.out}; KNOR was not computed. Run again into a new --out folder.`,
            );
            return EXIT.interrupted;
          }
          throw error;
        }
      }
    }

    // 5. KNOR over every embedded image, in index order.
    const finished = await finishAnalysis(
      args.out,
      {
        appVersion: record.appVersion,
        pack: { name: pack.manifest.name, modelKey: pack.modelKey },
        settings: record.settings,
        images: embedded,
        pooled: {
          pre: stackRows(
            embedded.map((e) => e.pooledPre),
            tokens.dPre,
          ),
          post: stackRows(
            embedded.map((e) => e.pooledPost),
            tokens.dPost,
          ),
          n: embedded.length,
          dPre: tokens.dPre,
          dPost: tokens.dPost,
        },
        trained: trained && { reconstruction: trained.reconstruction, split: trained.split },
      },
      reporter,
    );
    return failed.length > 0 || !finished ? EXIT.someFailed : EXIT.ok;
  } finally {
    await pack.runner.dispose();
  }
}
