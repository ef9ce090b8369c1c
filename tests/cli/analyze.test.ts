/**
 * connector-lens analyze and merge, called directly (the launcher is tested in
 * connectorLens.test.ts), on a folder of 10 PNGs in cats/ and dogs/ plus one broken file:
 *
 * - every block holds exactly the tokens the app's runner (openPack + packAnalysisRunner) gives
 *   for the same pixels, bit for bit;
 * - knor.json's neighbour lists and KNOR equal a brute-force search written here (float64
 *   distances over the pooled blocks, ties to the lower index), labels come from sub-folders and
 *   precision@k matches;
 * - --shard 0/2 and 1/2 then merge give byte-identical blocks and the same KNOR and lists as the
 *   unsharded run; merge refuses sets of folders that are not one run's shards.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, NEVER_STOP } from '../../cli/analyze.ts';
import type { AnalyzeArgs } from '../../cli/args.ts';
import { canvasRoundTrip } from '../../cli/canvasPixels.ts';
import { EXIT } from '../../cli/exitCodes.ts';
import { merge } from '../../cli/merge.ts';
import { recordingReporter } from '../../cli/reporter.ts';
import { planBlockStore } from '../../src/core/blockstore/blockStore.ts';
import { parseSafetensorsHeader, tensorNamed } from '../../src/core/blockstore/safetensors.ts';
import { applyLabels } from '../../src/core/labels/applyLabels.ts';
import { parseLabels } from '../../src/core/labels/parseLabels.ts';
import { hashBytes } from '../../src/core/identity/contentHash.ts';
import { packModelKey } from '../../src/core/identity/modelIdentity.ts';
import type { Metric, PackManifest } from '../../src/core/types.ts';
import { packAnalysisRunner, type AnalysisRunner } from '../../src/ml/analysisRunner.ts';
import { openPack } from '../../src/ml/packRunner.ts';
import { PACK, REPO, tempDir, writeImageFolder, type FixtureImage } from './imageFolderFixture.ts';

const TIMEOUT = 300_000;
const K = 3;
const packDir = join(REPO, 'models', PACK);
const manifest = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')) as PackManifest;
const { tokens } = manifest;

let root: string;
let images: FixtureImage[];
let folder: string;
let runner: AnalysisRunner;

function args(out: string, extra: Partial<AnalyzeArgs> = {}): AnalyzeArgs {
  return { imagesDir: folder, pack: PACK, out, k: K, metric: 'cosine', includeSelf: false, labels: null, shard: null, train: null, ...extra };
}

// The CLI's JSON outputs, read loosely: each test checks the fields it names.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

/** The `block` tensor's raw little-endian bytes and its shape, read with the app's safetensors reader. */
function blockBytes(dir: string, side: 'pre' | 'post', id: string): { shape: readonly number[]; bytes: Uint8Array } {
  const file = new Uint8Array(readFileSync(join(dir, `${side}-block-${id}.safetensors`)));
  const header = parseSafetensorsHeader(file, file.length, `${side}-block-${id}`);
  const t = tensorNamed(header, 'block')!;
  expect(t.dtype).toBe('F32');
  return { shape: t.shape, bytes: file.subarray(header.dataStart + t.begin, header.dataStart + t.end) };
}

const asFloats = (bytes: Uint8Array) => new Float32Array(Uint8Array.from(bytes).buffer);
const floatBytes = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

/** Mean over tokens, summed in float64, stored as float32 (docs/method.md, KNOR step 1). */
function pooledFromBlock(x: Float32Array, rows: number, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let t = 0; t < rows; t++) for (let d = 0; d < dim; d++) out[d]! += x[t * dim + d]!;
  return out.map((v) => Math.fround(v / rows));
}

/** The reference search: every pair, float64, ties to the lower index. */
function bruteForce(vectors: readonly Float64Array[], k: number, metric: Metric, includeSelf: boolean): number[][] {
  const distance = (a: Float64Array, b: Float64Array): number => {
    if (metric === 'l2') return a.reduce((s, v, d) => s + (v - b[d]!) ** 2, 0);
    let dot = 0;
    let na = 0;
    let nb = 0;
    a.forEach((v, d) => {
      dot += v * b[d]!;
      na += v * v;
      nb += b[d]! * b[d]!;
    });
    return na === 0 || nb === 0 ? 1 : 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
  };
  return vectors.map((v, i) =>
    vectors
      .map((w, j) => ({ j, d: distance(v, w) }))
      .filter(({ j }) => includeSelf || j !== i)
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, k)
      .map(({ j }) => j),
  );
}

function overlap(pre: readonly number[][], post: readonly number[][], k: number): number[] {
  return pre.map((row, i) => row.filter((j) => post[i]!.includes(j)).length / k);
}

function precision(lists: readonly number[][], labels: readonly string[], k: number): number {
  return lists.reduce((s, row, i) => s + row.filter((j) => labels[j] === labels[i]).length / k, 0) / lists.length;
}

/** What a folder's knor.json must hold, from its blocks alone. */
function expectedKnor(dir: string, ids: readonly string[], k: number, metric: Metric, includeSelf: boolean) {
  const pooled = (side: 'pre' | 'post', rows: number, dim: number) => ids.map((id) => pooledFromBlock(asFloats(blockBytes(dir, side, id).bytes), rows, dim));
  const nnPre = bruteForce(pooled('pre', tokens.pre, tokens.dPre), k, metric, includeSelf);
  const nnPost = bruteForce(pooled('post', tokens.post, tokens.dPost), k, metric, includeSelf);
  const perImage = overlap(nnPre, nnPost, k);
  return { nnPre, nnPost, perImage, mean: perImage.reduce((a, b) => a + b, 0) / perImage.length };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(6, '0'));
const BROKEN = 'dogs/zz-broken.png';

beforeAll(async () => {
  root = tempDir('analyze');
  folder = join(root, 'images');
  images = writeImageFolder(folder, 10);
  // A PNG cut off mid-file: the app's header check refuses it. Sorted last: index 10.
  const whole = readFileSync(join(folder, images[0]!.relPath));
  writeFileSync(join(folder, BROKEN), whole.subarray(0, whole.length - 20));
  const read = (name: string) => new Uint8Array(readFileSync(join(packDir, name)));
  runner = packAnalysisRunner(await openPack(manifest, read(manifest.files.encoder), read(manifest.files.connector), ['wasm']));
}, TIMEOUT);

afterAll(async () => {
  await runner?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('analyze (unsharded)', () => {
  let out: string;
  let code: number;
  const reporter = recordingReporter();

  beforeAll(async () => {
    out = join(root, 'out');
    code = await analyze(args(out), reporter);
  }, TIMEOUT);

  it('embeds the images, lists the broken file with the app message and exits 1', () => {
    expect(code).toBe(EXIT.someFailed);
    const errors = reporter.lines.filter((l) => l.stream === 'error').map((l) => l.text);
    expect(errors).toContain(`${BROKEN} is a truncated PNG (the file ends before its last chunk). Re-export the image and add it again.`);
    expect(errors).toContain('1 of 11 images failed and are left out:');
    const store = readJson(join(out, 'store.json'));
    expect(store.failed).toEqual([{ index: 10, file: BROKEN, message: expect.stringContaining('truncated PNG') }]);
    expect(existsSync(join(out, 'pre-block-000010.safetensors'))).toBe(false);
  });

  it(
    "writes blocks whose tokens are bit for bit the app runner's for the same pixels",
    async () => {
      for (const [i, image] of images.entries()) {
        // Decoded as a browser canvas gives it: colour of translucent pixels through premultiplied alpha (checked against Chromium in decodeImage.test.ts).
        const pixels = canvasRoundTrip(Uint8Array.from(image.rgba));
        const direct = await runner.embedImage({ width: image.width, height: image.height, rgba: pixels });
        const id = ids(11)[i]!;
        const pre = blockBytes(out, 'pre', id);
        const post = blockBytes(out, 'post', id);
        expect(pre.shape).toEqual([tokens.pre, tokens.dPre]);
        expect(post.shape).toEqual([tokens.post, tokens.dPost]);
        expect(Buffer.compare(pre.bytes, floatBytes(direct.pre)), `pre tokens of ${image.relPath}`).toBe(0);
        expect(Buffer.compare(post.bytes, floatBytes(direct.post)), `post tokens of ${image.relPath}`).toBe(0);
      }
    },
    TIMEOUT,
  );

  it('KNOR and the neighbour lists equal a brute-force search over the pooled blocks', () => {
    const knor = readJson(join(out, 'knor.json'));
    const expected = expectedKnor(out, ids(10), K, 'cosine', false);
    expect(knor.ids).toEqual(ids(10));
    expect(knor.files).toEqual(images.map((i) => i.relPath));
    expect({ k: knor.k, metric: knor.metric, includeSelf: knor.includeSelf }).toEqual({ k: K, metric: 'cosine', includeSelf: false });
    expect(knor.nnPre).toEqual(expected.nnPre);
    expect(knor.nnPost).toEqual(expected.nnPost);
    // Written as the shortest text of each float32 value.
    expect(knor.perImage.map(Math.fround)).toEqual(expected.perImage.map(Math.fround));
    expect(knor.mean).toBeCloseTo(expected.mean, 12);
    // Not a degenerate case: the connector moves some neighbours.
    expect(expected.mean).toBeGreaterThan(0);
    expect(expected.mean).toBeLessThan(1);
  });

  it('labels come from the first sub-folder, and precision@k is the brute-force one', () => {
    const labels = images.map((i) => i.relPath.split('/')[0]!);
    expect(readFileSync(join(out, 'labels.csv'), 'utf8')).toBe(
      `file,label,path\n${images.map((i, n) => `${ids(10)[n]},${labels[n]},${i.relPath}`).join('\n')}\n`,
    );
    const record = readJson(join(out, 'images.json'));
    expect(Object.keys(record)).toEqual(ids(10));
    expect(
      Object.values(record as Record<string, { file: string; label: string | null; shard: number | null }>).map((r) => [r.file, r.label, r.shard]),
    ).toEqual(images.map((i, n) => [i.relPath, labels[n], null]));
    const knor = readJson(join(out, 'knor.json'));
    const expected = expectedKnor(out, ids(10), K, 'cosine', false);
    expect(knor.precision.before).toBeCloseTo(precision(expected.nnPre, labels, K), 12);
    expect(knor.precision.after).toBeCloseTo(precision(expected.nnPost, labels, K), 12);
    expect(knor.precision.classes).toBe(2);
  });

  it('store.json names the pack by the content key the app computes, and the session export is written', async () => {
    const digest = async (name: string) => {
      const bytes = new Uint8Array(readFileSync(join(packDir, name)));
      return { name, bytes: bytes.length, hash: await hashBytes(bytes) };
    };
    const key = await packModelKey(manifest, {
      encoder: await digest(manifest.files.encoder),
      connector: await digest(manifest.files.connector),
      encoderWeights: [],
      connectorWeights: [],
    });
    const store = readJson(join(out, 'store.json'));
    expect(store).toMatchObject({
      pack: { id: PACK, name: manifest.name, modelKey: key },
      shapes: { pre: [tokens.pre, tokens.dPre], post: [tokens.post, tokens.dPost] },
      count: 10,
      listed: 11,
      shard: null,
      settings: { k: K, metric: 'cosine', includeSelf: false },
      labels: { kind: 'folders' },
      complete: true,
      appVersion: readJson(join(REPO, 'package.json')).version,
    });
    for (const file of ['images.csv', 'neighbours.csv', 'vectors_pre.tsv', 'vectors_post.tsv', 'metadata.tsv', 'report.json'])
      expect(existsSync(join(out, file)), file).toBe(true);
    // Each block says whose tokens it holds.
    const file = new Uint8Array(readFileSync(join(out, 'post-block-000003.safetensors')));
    expect(parseSafetensorsHeader(file, file.length, 'post-block-000003').metadata).toEqual({
      side: 'post',
      id: '000003',
      file: images[3]!.relPath,
      image_hash: await hashBytes(new Uint8Array(readFileSync(join(folder, images[3]!.relPath)))),
      model_key: key,
    });
  });

  it('opens in the app as a block store, its labels matched to the blocks', () => {
    const files = readdirSync(out).map((name) => ({ name, size: statSync(join(out, name)).size }));
    const plan = planBlockStore(files);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.blocks.map((b) => b.id)).toEqual(ids(10));
    expect(plan.labels).toBe('labels.csv');
    // The app names a block without an image beside it by its id, and matches label rows by name.
    const parsed = parseLabels(new Uint8Array(readFileSync(join(out, 'labels.csv'))), 'labels.csv');
    expect(applyLabels(parsed.labels, ids(10)).byImage).toEqual(images.map((i) => i.relPath.split('/')[0]));
  });

  it(
    "a pack folder runs as the built-in pack of the same files; a broken manifest is refused with the app's words",
    async () => {
      const copy = join(root, 'pack-copy');
      cpSync(packDir, copy, { recursive: true });
      const viaFolder = join(root, 'out-pack-folder');
      await analyze(args(viaFolder, { pack: copy }), recordingReporter());
      expect(readJson(join(viaFolder, 'store.json')).pack.modelKey).toBe(readJson(join(out, 'store.json')).pack.modelKey);
      expect(Buffer.compare(readFileSync(join(viaFolder, 'post-block-000004.safetensors')), readFileSync(join(out, 'post-block-000004.safetensors')))).toBe(0);

      writeFileSync(join(copy, 'manifest.json'), JSON.stringify({ ...manifest, tokens: { ...tokens, pre: 'many' } }));
      const refused = join(root, 'out-bad-pack');
      await expect(analyze(args(refused, { pack: copy }), recordingReporter())).rejects.toThrow(
        `The pack in ${copy} cannot be used: manifest.json is not a valid pack manifest: manifest.tokens.pre: expected a positive integer, got "many". See docs/model-pack.md.`,
      );
      expect(existsSync(refused)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    '--labels reads a label file as the app does, matched by base name',
    async () => {
      const labelFile = join(root, 'my-labels.csv');
      const rows = images.map((i, n) => `${i.relPath.split('/')[1]},${n % 2 === 0 ? 'even' : 'odd'}`);
      writeFileSync(labelFile, `image,class\n${rows.join('\n')}\nnot-here.png,x\n`);
      const labelled = join(root, 'out-labels');
      const reporter = recordingReporter();
      await analyze(args(labelled, { labels: labelFile }), reporter);
      expect(Object.values(readJson(join(labelled, 'images.json')) as Record<string, { label: string | null }>).map((r) => r.label)).toEqual(
        images.map((_, n) => (n % 2 === 0 ? 'even' : 'odd')),
      );
      expect(reporter.lines.map((l) => l.text)).toContain('Labelled 10 of 11 images; 1 row named a file not in the collection (not-here.png).');
      expect(readJson(join(labelled, 'store.json')).labels).toEqual({
        kind: 'file',
        name: 'my-labels.csv',
        hash: await hashBytes(new Uint8Array(readFileSync(labelFile))),
      });
    },
    TIMEOUT,
  );

  it(
    'squared L2 with self included (paper-compatible) also equals the brute force',
    async () => {
      const l2 = join(root, 'out-l2');
      expect(await analyze(args(l2, { k: 4, metric: 'l2', includeSelf: true }), recordingReporter())).toBe(EXIT.someFailed);
      const knor = readJson(join(l2, 'knor.json'));
      const expected = expectedKnor(l2, ids(10), 4, 'l2', true);
      expect(knor.nnPre).toEqual(expected.nnPre);
      expect(knor.nnPost).toEqual(expected.nnPost);
      expect(knor.nnPre.every((row: number[], i: number) => row[0] === i)).toBe(true);
      expect(knor.mean).toBeCloseTo(expected.mean, 12);
    },
    TIMEOUT,
  );

  it(
    'stops cleanly when asked (Ctrl-C): the images done so far, metadata marked incomplete, no KNOR',
    async () => {
      const stopped = join(root, 'out-stopped');
      let asked = 0;
      const reporter = recordingReporter();
      // Asked before each image: stop before the fourth.
      const code = await analyze(args(stopped), reporter, { stopRequested: () => ++asked > 3 });
      expect(code).toBe(EXIT.interrupted);
      expect(
        readdirSync(stopped)
          .filter((f) => f.endsWith('.safetensors'))
          .sort(),
      ).toEqual(
        ['post-block-000000', 'post-block-000001', 'post-block-000002', 'pre-block-000000', 'pre-block-000001', 'pre-block-000002'].map(
          (f) => `${f}.safetensors`,
        ),
      );
      expect(readJson(join(stopped, 'store.json'))).toMatchObject({ complete: false, count: 3 });
      expect(existsSync(join(stopped, 'knor.json'))).toBe(false);
      expect(reporter.lines.find((l) => l.stream === 'warning')?.text).toMatch(
        /^Stopped after 3 of 11 images \(Ctrl-C\): wrote 3 pre and 3 post blocks, labels\.csv, images\.json and store\.json \(marked incomplete\) to .*\. KNOR was not computed\./,
      );
    },
    TIMEOUT,
  );
});

describe('--shard i/n and merge', () => {
  const unsharded = () => join(root, 'out');
  let shard0: string;
  let shard1: string;
  let merged: string;

  beforeAll(async () => {
    shard0 = join(root, 'shard-0');
    shard1 = join(root, 'shard-1');
    merged = join(root, 'merged');
    // The unsharded run of the describe above, if this block runs alone.
    if (!existsSync(unsharded())) await analyze(args(unsharded()), recordingReporter());
    expect(await analyze(args(shard0, { shard: { index: 0, count: 2 } }), recordingReporter())).toBe(EXIT.someFailed); // holds the broken file (index 10)
    expect(await analyze(args(shard1, { shard: { index: 1, count: 2 } }), recordingReporter())).toBe(EXIT.ok);
    expect(await merge({ shardDirs: [shard1, shard0], out: merged }, recordingReporter())).toBe(EXIT.someFailed);
  }, TIMEOUT);

  it('each shard embeds only the images j with j mod n = i, and writes no KNOR', () => {
    const blocks = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.startsWith('pre-block-'))
        .sort();
    expect(blocks(shard0)).toEqual(['000000', '000002', '000004', '000006', '000008'].map((id) => `pre-block-${id}.safetensors`));
    expect(blocks(shard1)).toEqual(['000001', '000003', '000005', '000007', '000009'].map((id) => `pre-block-${id}.safetensors`));
    expect(existsSync(join(shard0, 'knor.json'))).toBe(false);
    expect(readJson(join(shard1, 'store.json'))).toMatchObject({ shard: { index: 1, count: 2 }, count: 5, listed: 11, failed: [], complete: true });
    expect(readJson(join(shard0, 'store.json')).failed.map((f: { index: number }) => f.index)).toEqual([10]);
  });

  it('merge writes byte-identical block files', () => {
    const blockFiles = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort();
    expect(blockFiles(merged)).toEqual(blockFiles(unsharded()));
    expect(blockFiles(merged)).toHaveLength(20);
    for (const f of blockFiles(merged)) expect(Buffer.compare(readFileSync(join(merged, f)), readFileSync(join(unsharded(), f))), f).toBe(0);
  });

  it('merge gives the unsharded KNOR, neighbour lists, labels and store', () => {
    const a = readJson(join(merged, 'knor.json'));
    const b = readJson(join(unsharded(), 'knor.json'));
    expect(a).toEqual(b);
    expect(readFileSync(join(merged, 'labels.csv'), 'utf8')).toBe(readFileSync(join(unsharded(), 'labels.csv'), 'utf8'));
    const strip = (record: Record<string, { shard: string | null }>) =>
      Object.fromEntries(Object.entries(record).map(([id, r]) => [id, { ...r, shard: null }]));
    expect(strip(readJson(join(merged, 'images.json')))).toEqual(readJson(join(unsharded(), 'images.json')));
    expect(readJson(join(merged, 'images.json'))['000003'].shard).toBe('1/2');
    expect(readJson(join(merged, 'store.json'))).toEqual(readJson(join(unsharded(), 'store.json')));
    // The session export too, but for the date in its first line.
    const undated = (dir: string) => readFileSync(join(dir, 'neighbours.csv'), 'utf8').replace(/app version [^,]*, \S+/, 'app version, date');
    expect(undated(merged)).toBe(undated(unsharded()));
  });

  it(
    'refuses folders that are not all the shards of one run, writing nothing',
    async () => {
      const refused = async (dirs: string[], message: RegExp) => {
        const out = join(root, `refused-${Math.random().toString(36).slice(2)}`);
        await expect(merge({ shardDirs: dirs, out }, recordingReporter())).rejects.toThrow(message);
        expect(existsSync(out)).toBe(false);
      };
      await refused([shard0], /The merge needs all 2 shards; 1\/2 is missing/);
      await refused([shard0, shard1, shard0], /Shard 0\/2 is given twice/);
      await refused([shard0, unsharded()], /is an unsharded run \(analyze without --shard\); it is complete as it is and needs no merge/);
      await refused([shard0, folder], /has no store\.json: it is not an output folder of connector-lens analyze/);

      const otherK = join(root, 'shard-1-k2');
      await analyze(args(otherK, { k: 2, shard: { index: 1, count: 2 } }), recordingReporter());
      await refused(
        [shard0, otherK],
        /differ in their KNOR settings, so they are not shards of one run\. Run every shard with the same --k, --metric and --include-self\./,
      );

      const stopped = join(root, 'shard-1-stopped');
      await analyze(args(stopped, { shard: { index: 1, count: 2 } }), recordingReporter(), { stopRequested: () => true });
      await refused([shard0, stopped], /is shard 1\/2 stopped before it finished \(Ctrl-C\)\. Run that shard again into a new folder, then merge\./);
    },
    TIMEOUT,
  );
});

// The default control never stops.
it('NEVER_STOP never asks to stop', () => expect(NEVER_STOP.stopRequested()).toBe(false));
