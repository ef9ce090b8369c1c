/**
 * tools/extract_blocks.py, end to end on the llava-tiny fixture: 12 PNGs in two labelled
 * sub-folders are embedded by two gloo processes under torchrun and by one plain Python process,
 * and the two block stores must be the same files, bit for bit. Checked besides: one pre and one
 * post block per image under the documented id, the shard records cover every id exactly once
 * (the sampler's repeated batch is not written twice), store.json and labels.csv, every block is
 * what the fixture's torch modules compute for that image alone, the extractor's pixels are the
 * app's own preprocessing of the file, the app's block-store reader opens both folders (with the
 * images copied beside the blocks, and without), and --merge joins stores and refuses differing bytes.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBlockStore, readStoreBlock, type StoreBlock } from '../../src/core/blockstore/blockStore.ts';
import { parseSafetensorsHeader } from '../../src/core/blockstore/safetensors.ts';
import { preprocess } from '../../src/core/image/preprocess.ts';
import { applyLabels } from '../../src/core/labels/applyLabels.ts';
import { parseLabels } from '../../src/core/labels/parseLabels.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { PreprocessSpec } from '../../src/core/types.ts';
import { encodePng } from '../e2e/png.ts';
import { TOOLS_PYTHON, whyNoToolsPython } from '../support/toolsPython.ts';

const TOOLS = resolve(import.meta.dirname, '../../tools');
const EXTRACTOR = join(TOOLS, 'extract_blocks.py');
const run = promisify(execFile);

const skipReason = whyNoToolsPython('torch', 'safetensors', 'PIL');
if (skipReason) console.warn(`tests/tools/extractor.test.ts is skipped: ${skipReason}`);

/** Relative path -> width x height. Sizes make the bicubic resize and the centre crop both act. */
const IMAGES: Record<string, [number, number]> = {
  'cats/c0.png': [64, 64],
  'cats/c1.png': [80, 64],
  'cats/c2.png': [64, 100],
  'cats/c3.png': [50, 70],
  'cats/c4.png': [128, 96],
  'cats/small/c5.png': [70, 70],
  'dogs/d0.png': [64, 64],
  'dogs/d1.png': [96, 72],
  'dogs/d2.png': [40, 64],
  'dogs/d3.png': [64, 90],
  'dogs/big dog.png': [100, 100],
  'dogs/small/d5.png': [66, 65],
};
const PATHS = Object.keys(IMAGES).sort();
/** The documented id: relative path, extension dropped, '/' written as '~'. */
const idOf = (path: string) => path.replace(/\.[^./]+$/, '').replaceAll('/', '~');
const IDS = PATHS.map(idOf);
const BATCH = 4; // 12 images: 3 batches, so the second of 2 ranks also gets batch 0 again from the sampler
const TOKENS = { pre: [64, 32], post: [64, 48] }; // llava-tiny: 8 x 8 patches, d 32 -> 48

/** Smooth colour ramps plus noise; the last image has partly transparent pixels (alpha is dropped). */
function writeImages(folder: string): void {
  const random = seededRandom(11);
  PATHS.forEach((path, n) => {
    const [w, h] = IMAGES[path]!;
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        rgba[i] = (x * 255) / w + 40 * random();
        rgba[i + 1] = (y * 255) / h + 40 * random();
        rgba[i + 2] = ((x + y + 13 * n) * 7) % 256;
        rgba[i + 3] = n === PATHS.length - 1 && x < w / 3 ? 90 : 255;
      }
    }
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), encodePng(rgba, w, h));
  });
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function python(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  try {
    const { stdout, stderr } = await run(TOOLS_PYTHON, args, { timeout: 240_000, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error; // a timeout or a failed start, not an exit status
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

async function mustSucceed(what: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  const result = await python(args, env);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr.trim()}\n${result.stdout.trim()}`);
  return result;
}

const blockFiles = (folder: string) =>
  readdirSync(folder)
    .filter((name) => /^(pre|post)-block-.+\.safetensors$/.test(name))
    .sort();

/** The JSON header of a safetensors file: 8-byte little-endian length, then JSON. */
function safetensorsHeader(path: string): Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The extractor's own pixels and the fixture's modules on each image alone, against the stored blocks. */
const CHECK = `
import json, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from block_store.images import list_images, load_pixels
from pack_export.fixtures import llava_tiny

images, store, pixels_out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
pack = llava_tiny(7)
pack.encoder.eval(); pack.connector.eval()
worst = {"pre": 0.0, "post": 0.0, "scalePre": 0.0, "scalePost": 0.0, "images": 0}
with torch.no_grad():
    for item in list_images(images):
        pixels = load_pixels(item.path, pack.preprocess, pack.geometry.size)
        (pixels_out / (item.block_id + ".f32")).write_bytes(pixels.astype("<f4").tobytes())
        pre = pack.encoder(torch.from_numpy(pixels)[None])
        post = pack.connector(pre)
        for kind, mine in (("pre", pre[0]), ("post", post[0])):
            stored = load_file(str(store / f"{kind}-block-{item.block_id}.safetensors"))
            assert list(stored) == ["block"], list(stored)
            block = stored["block"]
            assert block.dtype == torch.float32 and block.shape == mine.shape, (block.dtype, block.shape, mine.shape)
            worst[kind] = max(worst[kind], float((block - mine).abs().max()))
            scale = "scalePre" if kind == "pre" else "scalePost"
            worst[scale] = max(worst[scale], float(mine.abs().max()))
        worst["images"] += 1
print(json.dumps(worst))
`;

describe.skipIf(skipReason !== null)(skipReason ? `tools/extract_blocks.py (skipped: ${skipReason})` : 'tools/extract_blocks.py --fixture llava-tiny', () => {
  // Made in beforeAll, which a skipped suite does not run: no folder is left behind then.
  let root = '';
  let images = '';
  let two = '';
  let one = '';
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'extract-blocks-'));
    [images, two, one] = [join(root, 'images'), join(root, 'two-processes'), join(root, 'one-process')];
    writeImages(images);
    const common = ['--fixture', 'llava-tiny', '--images', images, '--batch-size', String(BATCH)];
    // torchrun gives each of its processes one thread; the single process gets the same, so the
    // comparison is about the split into processes alone.
    const env = { ...process.env, OMP_NUM_THREADS: '1' };
    // torchrun of the same interpreter. --standalone picks a free port itself. --redirects 1
    // --tee 1 (stdout through a log file, echoed) only sidesteps a bug of torch 1.13's launcher on
    // Python 3.11, whose defaults for these options crash it ('NoneType' object has no attribute 'get').
    const launcher = ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1'];
    const started = Date.now();
    const [distributed, single] = await Promise.all([
      mustSucceed('torchrun --nproc_per_node 2 tools/extract_blocks.py', [...launcher, EXTRACTOR, ...common, '--out', two], env),
      mustSucceed('python3 tools/extract_blocks.py --copy-images', [EXTRACTOR, ...common, '--copy-images', '--out', one], env),
    ]);
    console.log(`extracted twice in ${((Date.now() - started) / 1000).toFixed(1)} s\n${distributed.stderr.trim()}\n${distributed.stdout.trim()}\n${single.stderr.trim()}`);
  }, 300_000);

  it('writes the same block files, bit for bit, from two processes as from one', () => {
    const names = blockFiles(two);
    expect(names).toEqual(blockFiles(one));
    for (const name of names) {
      const [a, b] = [readFileSync(join(two, name)), readFileSync(join(one, name))];
      expect(a.equals(b), `${name} differs between 2 processes and 1`).toBe(true);
    }
  });

  it('writes exactly one pre and one post block per image, under the id its path gives', () => {
    for (const folder of [two, one]) {
      const expected = IDS.flatMap((id) => [`post-block-${id}.safetensors`, `pre-block-${id}.safetensors`]).sort();
      expect(blockFiles(folder)).toEqual(expected);
      for (const id of IDS) {
        for (const kind of ['pre', 'post'] as const) {
          const header = safetensorsHeader(join(folder, `${kind}-block-${id}.safetensors`));
          expect(Object.keys(header).filter((k) => k !== '__metadata__')).toEqual(['block']);
          expect(header.block!.dtype).toBe('F32');
          expect(header.block!.shape).toEqual(TOKENS[kind]);
        }
      }
    }
    expect(IDS).toContain('cats~small~c5');
    expect(IDS).toContain('dogs~big dog');
  });

  it('records in its shard files every id exactly once, the repeated batch not at all', () => {
    const shards = [0, 1].map((rank) => readJson(join(two, `shard-${rank}-of-2.json`)));
    const ids = shards.flatMap((s) => s.ids as string[]);
    expect(ids.length).toBe(IDS.length);
    expect([...ids].sort()).toEqual([...IDS].sort());
    expect(shards.map((s) => s.rank)).toEqual([0, 1]);
    for (const s of shards) {
      expect(s.world).toBe(2);
      expect(s.count).toBe(s.ids.length);
      expect(s.model).toMatchObject({ fixture: 'llava-tiny', seed: 7 });
      expect(s.dtype).toBe('float32');
      expect(s.shapes).toEqual(TOKENS);
      expect(s.versions.torch).toBeTruthy();
    }
    // 3 batches over 2 ranks: DistributedSampler gives rank 1 batch 0 a second time.
    expect(shards.reduce((n, s) => n + s.repeatedBatchesSkipped, 0)).toBe(1);
    const single = readJson(join(one, 'shard-0-of-1.json'));
    expect(single.ids).toEqual(IDS);
    expect(readdirSync(two).filter((n) => n.startsWith('shard-')).sort()).toEqual(['shard-0-of-2.json', 'shard-1-of-2.json']);
    expect(readdirSync(two).some((n) => n.endsWith('.partial'))).toBe(false);
  });

  it('writes store.json and labels.csv after the shards', () => {
    const store = readJson(join(two, 'store.json'));
    expect(store).toMatchObject({ count: 12, dtype: 'float32', shapes: TOKENS, tensor: 'block', world: 2, shards: ['shard-0-of-2.json', 'shard-1-of-2.json'], complete: true, labels: 'labels.csv' });
    expect(store.model).toMatchObject({ fixture: 'llava-tiny', seed: 7, connector: { family: 'mlp' } });
    const rows = (folder: string) => readFileSync(join(folder, 'labels.csv'), 'utf8').trim().split('\n');
    expect(rows(two)[0]).toBe('file,label,path');
    expect(rows(two).slice(1)).toEqual(PATHS.map((p) => `${idOf(p)},${p.split('/')[0]},${p}`));
    // With --copy-images the app names each block by its image copy, and so does labels.csv.
    expect(rows(one).slice(1)).toEqual(PATHS.map((p) => `${idOf(p)}.png,${p.split('/')[0]},${p}`));
    for (const path of PATHS) expect(readFileSync(join(one, `${idOf(path)}.png`)).equals(readFileSync(join(images, path)))).toBe(true);
    expect(readdirSync(two).some((n) => n.endsWith('.png'))).toBe(false);
  });

  it("opens in the app's own block-store reader, labels and all", () => {
    for (const [folder, withImages] of [[two, false], [one, true]] as const) {
      const top = folder.split('/').pop()!;
      // As a dropped folder: paths start with the folder's name.
      const files = readdirSync(folder).map((name) => ({ name: `${top}/${name}`, size: readFileSync(join(folder, name)).length }));
      const plan = planBlockStore(files);
      if (!plan.ok) throw new Error(plan.message);
      expect(plan.blocks.map((b) => b.id).sort()).toEqual([...IDS].sort());
      expect(plan.labels).toBe(`${top}/labels.csv`);
      expect(plan.blocks.every((b) => (b.image !== null) === withImages)).toBe(true);
      let first: StoreBlock | null = null;
      for (const b of plan.blocks) {
        const read = (name: string) => {
          const bytes = new Uint8Array(readFileSync(join(folder, name.slice(top.length + 1))));
          const header = parseSafetensorsHeader(bytes, bytes.length, name);
          return { name, header, data: bytes.subarray(header.dataStart) };
        };
        const block = readStoreBlock(read(b.pre), read(b.post), first);
        first ??= block;
        expect([block.tokensPre, block.dPre, block.tokensPost, block.dPost]).toEqual([...TOKENS.pre, ...TOKENS.post]);
      }
      // The names the app gives the blocks (the image's, else the id) are the ones labels.csv uses.
      const names = plan.blocks.map((b) => (b.image === null ? b.id : b.image.split('/').pop()!));
      const parsed = parseLabels(readFileSync(join(folder, 'labels.csv')), 'labels.csv');
      const match = applyLabels(parsed.labels, names);
      expect(match.labelled).toBe(IDS.length);
      expect(match.unusedRows).toEqual([]);
      expect(match.byImage).toEqual(plan.blocks.map((b) => b.id.split('~')[0]));
    }
  });

  it("holds what the fixture's modules compute for each image, from the app's own preprocessing", async () => {
    const pixelsDir = join(root, 'pixels');
    mkdirSync(pixelsDir);
    const { stdout } = await mustSucceed('the direct check', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(TOOLS)})\n${CHECK}`, images, two, pixelsDir]);
    const worst = JSON.parse(stdout.trim().split('\n').pop()!) as { pre: number; post: number; scalePre: number; scalePost: number; images: number };
    console.log(`blocks vs the fixture on each image alone: max |diff| pre ${worst.pre.toExponential(2)} (scale ${worst.scalePre.toFixed(2)}), post ${worst.post.toExponential(2)} (scale ${worst.scalePost.toFixed(2)})`);
    expect(worst.images).toBe(12);
    expect(worst.scalePre).toBeGreaterThan(0.5); // tokens that carry signal, or the comparison proves nothing
    expect(worst.pre).toBeLessThanOrEqual(1e-5);
    expect(worst.post).toBeLessThanOrEqual(1e-5);

    // The pixels the extractor fed the model are the app's preprocessing of the same file, with
    // the preprocessing store.json records (the fixture pack's manifest: CLIP's, bicubic).
    const recorded = readJson(join(two, 'store.json')).preprocess as PreprocessSpec & { size: number };
    expect(recorded).toMatchObject({ resize: 'shortest-edge', crop: 'center', resample: 'bicubic', size: 64 });
    let worstPixel = 0;
    for (const path of PATHS) {
      const png = PNG.sync.read(readFileSync(join(images, path)));
      const app = preprocess(png.data, png.width, png.height, recorded, recorded.size).pixels;
      const bytes = readFileSync(join(pixelsDir, `${idOf(path)}.f32`));
      const mine = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      expect(mine.length).toBe(app.length);
      for (let i = 0; i < app.length; i++) worstPixel = Math.max(worstPixel, Math.abs(app[i]! - mine[i]!));
    }
    console.log(`extractor pixels vs the app's preprocess: max |diff| ${worstPixel.toExponential(2)}`);
    expect(worstPixel).toBeLessThanOrEqual(1e-6);
  }, 180_000);

  it('merges stores: the same bytes once, different bytes refused', async () => {
    const merged = join(root, 'merged');
    await mustSucceed('--merge', [EXTRACTOR, '--merge', two, one, '--out', merged]);
    expect(blockFiles(merged)).toEqual(blockFiles(one));
    for (const name of blockFiles(merged)) expect(readFileSync(join(merged, name)).equals(readFileSync(join(one, name)))).toBe(true);
    expect(readJson(join(merged, 'store.json'))).toMatchObject({ count: 12, shapes: TOKENS, complete: true, imageCopies: 12 });
    expect(readdirSync(merged).filter((n) => n.endsWith('.png')).length).toBe(12); // the copies in the second store come along

    // Two nodes that each kept their own --out folder: rank 1's blocks and shard file elsewhere.
    const [node0, node1] = [join(root, 'node0'), join(root, 'node1')];
    cpSync(two, node0, { recursive: true });
    mkdirSync(node1);
    for (const id of readJson(join(two, 'shard-1-of-2.json')).ids as string[]) {
      for (const kind of ['pre', 'post']) {
        const name = `${kind}-block-${id}.safetensors`;
        cpSync(join(node0, name), join(node1, name));
        rmSync(join(node0, name));
      }
    }
    cpSync(join(node0, 'shard-1-of-2.json'), join(node1, 'shard-1-of-2.json'));
    rmSync(join(node0, 'shard-1-of-2.json'));
    const joined = join(root, 'joined');
    await mustSucceed('--merge of two nodes', [EXTRACTOR, '--merge', node0, node1, '--out', joined]);
    expect(blockFiles(joined)).toEqual(blockFiles(one));
    expect(readJson(join(joined, 'store.json'))).toMatchObject({ count: 12, complete: true });
    expect(readFileSync(join(joined, 'labels.csv'), 'utf8')).toBe(readFileSync(join(two, 'labels.csv'), 'utf8'));

    // One byte of one block's data changed: the merge names the id and writes nothing.
    const tampered = join(root, 'tampered');
    cpSync(one, tampered, { recursive: true });
    const victim = join(tampered, `post-block-${IDS[3]}.safetensors`);
    const bytes = readFileSync(victim);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    writeFileSync(victim, bytes);
    const refused = join(root, 'refused');
    const result = await python([EXTRACTOR, '--merge', one, tampered, '--out', refused]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`block id '${IDS[3]}' is in more than one store with different bytes`);
    expect(existsSync(refused)).toBe(false);
  }, 120_000);

  it('says plainly what is wrong with its folders', async () => {
    const again = await python([EXTRACTOR, '--fixture', 'llava-tiny', '--images', images, '--out', one]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`--out ${one}: already holds block-store files`);

    const missing = await python([EXTRACTOR, '--fixture', 'llava-tiny', '--images', join(root, 'no-such-folder'), '--out', join(root, 'unused')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no-such-folder: no such folder');

    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    writeFileSync(join(empty, 'sub', 'notes.txt'), 'not an image');
    const none = await python([EXTRACTOR, '--fixture', 'llava-tiny', '--images', empty, '--out', join(root, 'unused')]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no images found');
    expect(existsSync(join(root, 'unused'))).toBe(false);
  }, 120_000);
});
