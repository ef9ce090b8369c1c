/**
 * The metadata beside the blocks of an output folder, written by analyze and merge and read back
 * by merge (outside data then: checked field by field, errors naming the file and field):
 *
 * - store.json: which pack (name, content key) and settings made the blocks, their shapes, the
 *   folder listing they index (count and digest), the shard, the images that failed, and whether
 *   the run finished;
 * - images.json: block id -> the image's relative path, content hash, label and shard.
 */
import { errorText } from '../src/core/errors.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metric } from '../src/core/types.ts';
import type { KnorSettings, Shard } from './args.ts';
import type { LabelSource } from './imageLabels.ts';

export const STORE_FORMAT = 'connector-lens block store';
export const STORE_FORMAT_VERSION = 1;
export const STORE_FILE = 'store.json';
export const IMAGES_FILE = 'images.json';
export const LABELS_FILE = 'labels.csv';

export interface FailedImage {
  readonly index: number;
  readonly file: string;
  readonly message: string;
}

export interface StoreRecord {
  readonly format: typeof STORE_FORMAT;
  readonly formatVersion: typeof STORE_FORMAT_VERSION;
  readonly appVersion: string;
  readonly pack: { readonly id: string; readonly name: string; readonly modelKey: string };
  /** [tokens, dim] of every pre and post block. */
  readonly shapes: { readonly pre: readonly [number, number]; readonly post: readonly [number, number] };
  /** Blocks written (images embedded). */
  readonly count: number;
  /** Files in the folder's sorted list, and a digest of that list: every shard of one folder has the same. */
  readonly listed: number;
  readonly listingHash: string;
  readonly idDigits: number;
  /** null: every image of the list (an unsharded run, or a merge). */
  readonly shard: Shard | null;
  readonly settings: KnorSettings;
  readonly labels: LabelSource;
  readonly failed: readonly FailedImage[];
  /** false when stopped (Ctrl-C) before every image of the run was tried. */
  readonly complete: boolean;
}

export interface ImageRecord {
  readonly file: string;
  readonly contentHash: string;
  readonly label: string | null;
  /** "i/n" of the shard that embedded it; null for an unsharded run. */
  readonly shard: string | null;
}

export type ImagesRecord = Readonly<Record<string, ImageRecord>>;

export const shardText = (shard: Shard | null): string | null => (shard === null ? null : `${shard.index}/${shard.count}`);

export function writeJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

/** A store folder's record that cannot be used; the message names the file and what is wrong. */
export class StoreReadError extends Error {
  override readonly name = 'StoreReadError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Fields {
  constructor(private readonly where: string) {}
  fail(path: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60);
    throw new StoreReadError(`${this.where}: ${path} should be ${expected}, but is ${shown}`);
  }
  obj(o: Obj, key: string, path = key): Obj {
    const v = o[key];
    return isObj(v) ? v : this.fail(path, 'an object', v);
  }
  str(o: Obj, key: string, path = key): string {
    const v = o[key];
    return typeof v === 'string' ? v : this.fail(path, 'text', v);
  }
  int(o: Obj, key: string, path = key, min = 0): number {
    const v = o[key];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : this.fail(path, `a whole number >= ${min}`, v);
  }
  bool(o: Obj, key: string, path = key): boolean {
    const v = o[key];
    return typeof v === 'boolean' ? v : this.fail(path, 'true or false', v);
  }
  pair(o: Obj, key: string, path: string): [number, number] {
    const v = o[key];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isSafeInteger(x) && (x as number) > 0)) return [v[0] as number, v[1] as number];
    return this.fail(path, '[tokens, dim], two positive whole numbers', v);
  }
}

function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new StoreReadError(`${dir} has no ${name}: it is not an output folder of connector-lens analyze (or the run was stopped before it wrote one)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StoreReadError(`${path} is not valid JSON (${errorText(error)})`);
  }
}

export function readStoreRecord(dir: string): StoreRecord {
  const json = readJson(dir, STORE_FILE);
  const f: Fields = new Fields(join(dir, STORE_FILE));
  if (!isObj(json)) return f.fail('the file', 'a JSON object', json);
  if (json.format !== STORE_FORMAT) f.fail('format', JSON.stringify(STORE_FORMAT), json.format);
  if (json.formatVersion !== STORE_FORMAT_VERSION) f.fail('formatVersion', String(STORE_FORMAT_VERSION), json.formatVersion);
  const pack = f.obj(json, 'pack');
  const shapes = f.obj(json, 'shapes');
  const settings = f.obj(json, 'settings');
  const metric = settings.metric;
  if (metric !== 'cosine' && metric !== 'l2') f.fail('settings.metric', '"cosine" or "l2"', metric);
  const labels = f.obj(json, 'labels');
  const labelSource: LabelSource =
    labels.kind === 'folders'
      ? { kind: 'folders' }
      : labels.kind === 'file'
        ? { kind: 'file', name: f.str(labels, 'name', 'labels.name'), hash: f.str(labels, 'hash', 'labels.hash') }
        : f.fail('labels.kind', '"folders" or "file"', labels.kind);
  let shard: Shard | null = null;
  if (json.shard !== null) {
    const s = f.obj(json, 'shard');
    shard = { index: f.int(s, 'index', 'shard.index'), count: f.int(s, 'count', 'shard.count', 1) };
    if (shard.index >= shard.count) f.fail('shard.index', `less than shard.count (${shard.count})`, shard.index);
  }
  const failedRaw = json.failed;
  if (!Array.isArray(failedRaw)) f.fail('failed', 'a list', failedRaw);
  const failed = (failedRaw as unknown[]).map((item, i): FailedImage => {
    if (!isObj(item)) return f.fail(`failed[${i}]`, 'an object', item);
    return {
      index: f.int(item, 'index', `failed[${i}].index`),
      file: f.str(item, 'file', `failed[${i}].file`),
      message: f.str(item, 'message', `failed[${i}].message`),
    };
  });
  return {
    format: STORE_FORMAT,
    formatVersion: STORE_FORMAT_VERSION,
    appVersion: f.str(json, 'appVersion'),
    pack: { id: f.str(pack, 'id', 'pack.id'), name: f.str(pack, 'name', 'pack.name'), modelKey: f.str(pack, 'modelKey', 'pack.modelKey') },
    shapes: { pre: f.pair(shapes, 'pre', 'shapes.pre'), post: f.pair(shapes, 'post', 'shapes.post') },
    count: f.int(json, 'count'),
    listed: f.int(json, 'listed'),
    listingHash: f.str(json, 'listingHash'),
    idDigits: f.int(json, 'idDigits', 'idDigits', 1),
    shard,
    settings: { k: f.int(settings, 'k', 'settings.k', 1), metric: metric as Metric, includeSelf: f.bool(settings, 'includeSelf', 'settings.includeSelf') },
    labels: labelSource,
    failed,
    complete: f.bool(json, 'complete'),
  };
}

export function readImagesRecord(dir: string): ImagesRecord {
  const json = readJson(dir, IMAGES_FILE);
  const f: Fields = new Fields(join(dir, IMAGES_FILE));
  if (!isObj(json)) return f.fail('the file', 'an object of block id -> image', json);
  const out: Record<string, ImageRecord> = {};
  for (const [id, value] of Object.entries(json)) {
    if (!/^\d+$/.test(id)) f.fail(`key ${JSON.stringify(id)}`, 'a block id (digits)', id);
    if (!isObj(value)) f.fail(id, 'an object', value);
    const label = value.label;
    if (label !== null && typeof label !== 'string') f.fail(`${id}.label`, 'text or null', label);
    const shard = value.shard;
    if (shard !== null && typeof shard !== 'string') f.fail(`${id}.shard`, 'text or null', shard);
    out[id] = {
      file: f.str(value, 'file', `${id}.file`),
      contentHash: f.str(value, 'contentHash', `${id}.contentHash`),
      label: label as string | null,
      shard: shard as string | null,
    };
  }
  return out;
}
