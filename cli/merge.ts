/**
 * connector-lens merge: the output folders of the n shards of one analyze into one store, then
 * KNOR and the session export, as an unsharded run would have written them.
 *
 * Checked before anything is written, each refusal naming the folders involved: every folder is a
 * finished shard run; all came from the same pack (content key), settings, labels and folder
 * listing; the shards are 0..n-1 of one n, each once; and together they cover every image of the
 * listing exactly once (as a block pair or as a failure). The blocks are read back with the app's
 * block store reader (core/blockstore/), copied byte for byte, and pooled from the stored values.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreBlock } from '../src/core/blockstore/blockStore.ts';
import { UserFacingError } from '../src/core/errors.ts';
import type { MergeArgs } from './args.ts';
import { reportFailures } from './analyze.ts';
import { appVersion } from './appVersion.ts';
import { blockFileName, readBlockPair } from './blockFiles.ts';
import { EXIT, UsageError, type ExitCode } from './exitCodes.ts';
import { finishAnalysis, stackRows } from './finishAnalysis.ts';
import { labelsCsv } from './imageLabels.ts';
import { imageId, ownsIndex } from './imageFolder.ts';
import { checkOutputFolder, createOutputFolder } from './outputFolder.ts';
import type { Reporter } from './reporter.ts';
import type { AnalysedImage } from './sessionOutput.ts';
import {
  IMAGES_FILE,
  LABELS_FILE,
  readImagesRecord,
  readStoreRecord,
  shardText,
  STORE_FILE,
  StoreReadError,
  writeJson,
  type FailedImage,
  type ImageRecord,
  type ImagesRecord,
  type StoreRecord,
} from './storeRecord.ts';

interface ShardInput {
  readonly dir: string;
  readonly store: StoreRecord & { readonly shard: NonNullable<StoreRecord['shard']> };
  readonly images: ImagesRecord;
}

const HINT = 'Give the output folders of every `connector-lens analyze --shard i/n` run of one image folder.';

function readShard(dir: string): ShardInput {
  let store: StoreRecord;
  let images: ImagesRecord;
  try {
    store = readStoreRecord(dir);
    images = readImagesRecord(dir);
  } catch (error) {
    if (error instanceof StoreReadError) throw new UsageError(`${error.message}. ${HINT}`, { cause: error });
    throw error;
  }
  if (store.shard === null) throw new UsageError(`${dir} is an unsharded run (analyze without --shard); it is complete as it is and needs no merge. ${HINT}`);
  if (!store.complete)
    throw new UsageError(`${dir} is shard ${shardText(store.shard)} stopped before it finished (Ctrl-C). Run that shard again into a new folder, then merge.`);
  return { dir, store: store as ShardInput['store'], images };
}

/** The fields every shard must share, with what to call them in a message. */
function sameAcrossShards(shards: readonly ShardInput[]): void {
  const first = shards[0]!;
  const checks: [string, (s: StoreRecord) => unknown, string][] = [
    ['pack', (s) => s.pack.modelKey, 'Every shard must run the same pack (same files, same content key).'],
    ['token shapes', (s) => JSON.stringify(s.shapes), 'Every shard must run the same pack.'],
    ['KNOR settings', (s) => JSON.stringify(s.settings), 'Run every shard with the same --k, --metric and --include-self.'],
    ['labels', (s) => JSON.stringify(s.labels), 'Run every shard with the same --labels file (or none).'],
    [
      'image listing',
      (s) => `${s.listed}:${s.listingHash}`,
      'Every shard must list the same folder with the same files; run the shards again on one copy of it.',
    ],
    ['shard count', (s) => s.shard?.count, 'Every shard must split the folder the same way (the same n in --shard i/n).'],
  ];
  for (const [what, key, fix] of checks) {
    const other = shards.find((s) => key(s.store) !== key(first.store));
    if (other) throw new UsageError(`${first.dir} and ${other.dir} differ in their ${what}, so they are not shards of one run. ${fix}`);
  }
}

function checkShardSet(shards: readonly ShardInput[]): void {
  const n = shards[0]!.store.shard.count;
  const byIndex = new Map<number, ShardInput>();
  for (const s of shards) {
    const twin = byIndex.get(s.store.shard.index);
    if (twin) throw new UsageError(`Shard ${shardText(s.store.shard)} is given twice (${twin.dir} and ${s.dir}); give each shard's folder once.`);
    byIndex.set(s.store.shard.index, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new UsageError(
      `The merge needs all ${n} shards; ${missing.map((i) => `${i}/${n}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Add ${missing.length === 1 ? 'its folder' : 'their folders'} (or run ${missing.length === 1 ? 'it' : 'them'} first).`,
    );
  }
}

/** Every index of the listing exactly once, in the shard that owns it; returns images (by index) and failures. */
function coverage(shards: readonly ShardInput[]): { images: Map<number, { id: string; record: ImageRecord; dir: string }>; failed: FailedImage[] } {
  const { listed, idDigits: digits } = shards[0]!.store;
  const images = new Map<number, { id: string; record: ImageRecord; dir: string }>();
  const failed: FailedImage[] = [];
  const claimedBy = new Map<number, string>();
  const claim = (index: number, s: ShardInput, what: string) => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= listed)
      throw new UsageError(`${join(s.dir, what)} names image ${index}, outside the folder's ${listed} files; the folder is damaged. Run that shard again.`);
    if (!ownsIndex(s.store.shard, index))
      throw new UsageError(
        `${join(s.dir, what)} holds image ${index}, which belongs to shard ${index % s.store.shard.count}/${s.store.shard.count}, not ${shardText(s.store.shard)}; the folder is damaged. Run that shard again.`,
      );
    const before = claimedBy.get(index);
    if (before !== undefined)
      throw new UsageError(
        `Image ${index} appears twice (${before} and ${s.dir}); each image must come from one shard. Run that shard again into a new folder.`,
      );
    claimedBy.set(index, s.dir);
  };
  for (const s of shards) {
    for (const [id, record] of Object.entries(s.images)) {
      const index = Number(id);
      if (id !== imageId(index, digits))
        throw new UsageError(
          `${join(s.dir, IMAGES_FILE)} has block id "${id}"; ids of this store have ${digits} digits. The folder is damaged; run that shard again.`,
        );
      claim(index, s, IMAGES_FILE);
      images.set(index, { id, record, dir: s.dir });
    }
    for (const f of s.store.failed) {
      claim(f.index, s, STORE_FILE);
      failed.push(f);
    }
  }
  for (let index = 0; index < listed; index++) {
    if (!claimedBy.has(index)) {
      const owner = shards.find((s) => ownsIndex(s.store.shard, index))!;
      throw new UsageError(
        `Image ${index} of the folder is in no shard: ${owner.dir} (shard ${shardText(owner.store.shard)}) neither embedded it nor lists it as failed. Run that shard again into a new folder.`,
      );
    }
  }
  failed.sort((a, b) => a.index - b.index);
  return { images, failed };
}

export async function merge(args: MergeArgs, reporter: Reporter): Promise<ExitCode> {
  checkOutputFolder(args.out, args.shardDirs);
  const shards = args.shardDirs.map(readShard);
  sameAcrossShards(shards);
  checkShardSet(shards);
  const { images, failed } = coverage(shards);
  const first = shards[0]!.store;
  if (first.appVersion !== appVersion())
    reporter.say('warning', `The shards were written by version ${first.appVersion}, this is ${appVersion()}; the blocks are merged as they are.`);

  // Every block file is there before the output folder is made.
  for (const { id, dir } of images.values()) {
    for (const side of ['pre', 'post'] as const) {
      const path = join(dir, blockFileName(side, id));
      if (!existsSync(path))
        throw new UsageError(`${path} is missing, though ${join(dir, IMAGES_FILE)} lists block ${id}. Run that shard again into a new folder.`);
    }
  }
  createOutputFolder(args.out);
  const order = [...images.keys()].sort((a, b) => a - b);
  const [dPre, dPost] = [first.shapes.pre[1], first.shapes.post[1]];
  const analysed: AnalysedImage[] = [];
  const pooledPre: Float32Array[] = [];
  const pooledPost: Float32Array[] = [];
  const progress = reporter.progress('blocks', order.length);
  let firstBlock: StoreBlock | null = null;
  order.forEach((index, done) => {
    const { id, record, dir } = images.get(index)!;
    let read: ReturnType<typeof readBlockPair>;
    try {
      read = readBlockPair(dir, id, firstBlock);
    } catch (error) {
      if (error instanceof UserFacingError)
        throw new UsageError(`Block ${id} of ${dir} cannot be merged: ${error.message} Run that shard again into a new folder.`, { cause: error });
      throw error;
    }
    const { block } = read;
    for (const [side, shape, expected] of [
      ['pre', block.preShape, first.shapes.pre],
      ['post', block.postShape, first.shapes.post],
    ] as const) {
      if (shape.length !== 2 || shape[0] !== expected[0] || shape[1] !== expected[1]) {
        throw new UsageError(
          `${join(dir, blockFileName(side, id))} holds [${shape.join(', ')}], but ${STORE_FILE} says the ${side} blocks are [${expected.join(', ')}]. Run that shard again into a new folder.`,
        );
      }
    }
    firstBlock ??= block;
    // Copied byte for byte, pooled from the values read back (as the app pools a block store).
    writeFileSync(join(args.out, blockFileName('pre', id)), read.preBytes);
    writeFileSync(join(args.out, blockFileName('post', id)), read.postBytes);
    pooledPre.push(block.pooledPre);
    pooledPost.push(block.pooledPost);
    analysed.push({ id, file: record.file, contentHash: record.contentHash, label: record.label });
    progress.update(done + 1);
  });
  progress.finish();

  const merged: Record<string, ImageRecord> = {};
  for (const index of order) {
    const { id, record } = images.get(index)!;
    merged[id] = record;
  }
  writeFileSync(join(args.out, LABELS_FILE), labelsCsv(analysed));
  writeJson(args.out, IMAGES_FILE, merged);
  const record: StoreRecord = { ...first, appVersion: appVersion(), count: analysed.length, shard: null, failed, complete: true };
  writeJson(args.out, STORE_FILE, record);
  reportFailures(failed, first.listed, reporter);
  reporter.out(
    `Merged ${shards.length} shards: ${analysed.length} of ${first.listed} images, ${analysed.length} pre and ${analysed.length} post blocks, ${LABELS_FILE}, ${IMAGES_FILE} and ${STORE_FILE} in ${args.out}.`,
  );
  const finished = await finishAnalysis(
    args.out,
    {
      appVersion: record.appVersion,
      pack: { name: first.pack.name, modelKey: first.pack.modelKey },
      settings: first.settings,
      images: analysed,
      pooled: { pre: stackRows(pooledPre, dPre), post: stackRows(pooledPost, dPost), n: analysed.length, dPre, dPost },
    },
    reporter,
  );
  return failed.length > 0 || !finished ? EXIT.someFailed : EXIT.ok;
}
