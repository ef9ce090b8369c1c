/**
 * The block store: planning a folder from names and sizes (pairs, natural order, images, labels,
 * the cap), and reading one block's two files (the `block` tensor, ranks, shapes against the
 * first block, float32 values and mean-pooled vectors worked out by hand). Each refusal's exact
 * message is asserted: docs/bad-inputs.md quotes them.
 */
import { describe, expect, it } from 'vitest';
import { refusal } from '../../support/outsideData.ts';
import {
  baseName,
  MAX_BLOCKS,
  naturalCompare,
  planBlockStore,
  readStoreBlock,
  type BlockFile,
  type BlockStoreFile,
  type StoreBlock,
} from '../../../src/core/blockstore/blockStore.ts';
import { parseSafetensorsHeader, writeSafetensors, type TensorToWrite } from '../../../src/core/blockstore/safetensors.ts';

const files = (...names: string[]): BlockStoreFile[] => names.map((name) => ({ name, size: 100 }));
const pair = (id: string, folder = 'store/') => [`${folder}pre-block-${id}.safetensors`, `${folder}post-block-${id}.safetensors`];

function refused(plan: ReturnType<typeof planBlockStore>): string {
  if (plan.ok) throw new Error('expected the plan to be refused');
  return plan.message;
}

describe('naturalCompare', () => {
  it('orders digit runs as numbers and the rest by code unit, totally', () => {
    const ids = ['img10', '10', 'img2', '2', '007', '7', 'b', 'a10b', 'a9c', '100000000000000000000001', '100000000000000000000000', 'A', ''];
    expect([...ids].sort(naturalCompare)).toEqual([
      '',
      '2',
      '007',
      '7',
      '10',
      '100000000000000000000000',
      '100000000000000000000001',
      'A',
      'a9c',
      'a10b',
      'b',
      'img2',
      'img10',
    ]);
    expect(naturalCompare('x', 'x')).toBe(0);
  });

  it('takes base names from / and \\ paths', () => {
    expect(baseName('a/b/pre-block-1.safetensors')).toBe('pre-block-1.safetensors');
    expect(baseName('a\\b\\c.png')).toBe('c.png');
    expect(baseName('c.png')).toBe('c.png');
  });
});

describe('planBlockStore', () => {
  it('pairs pre and post by id in natural order, with images and the labels file, keeping the names as given', () => {
    const plan = planBlockStore(
      files(
        ...pair('10'),
        ...pair('2'),
        ...pair('1', 'store/sub/'),
        'store/images/2.PNG',
        'store/1.jpeg',
        'store/10.txt',
        'store/labels.csv',
        'store/notes.md',
        'store/1.safetensors',
      ),
    );
    expect(plan).toEqual({
      ok: true,
      blocks: [
        { id: '1', pre: 'store/sub/pre-block-1.safetensors', post: 'store/sub/post-block-1.safetensors', image: 'store/1.jpeg' },
        { id: '2', pre: 'store/pre-block-2.safetensors', post: 'store/post-block-2.safetensors', image: 'store/images/2.PNG' },
        { id: '10', pre: 'store/pre-block-10.safetensors', post: 'store/post-block-10.safetensors', image: null },
      ],
      labels: 'store/labels.csv',
      warnings: [],
    });
  });

  it('keeps ids that are not numbers, and ids with dashes and dots', () => {
    const plan = planBlockStore(files(...pair('coco-000123.jpg'), ...pair('cat_2'), ...pair('cat_10'), 'coco-000123.jpg.webp'));
    expect(plan.ok && plan.blocks.map((b) => [b.id, b.image])).toEqual([
      ['cat_2', null],
      ['cat_10', null],
      ['coco-000123.jpg', 'coco-000123.jpg.webp'],
    ]);
  });

  it('chooses where the folder is ambiguous, and says so', () => {
    const plan = planBlockStore(files(...pair('1'), 'b/1.png', 'a/1.jpg', 'deep/er/labels.csv', 'labels.json', 'labels.TSV'));
    expect(plan).toMatchObject({
      ok: true,
      blocks: [{ id: '1', image: 'a/1.jpg' }],
      labels: 'labels.TSV',
      warnings: [
        'Block 1 has 2 images (a/1.jpg, b/1.png); a/1.jpg is shown.',
        'The folder has 3 label files (labels.TSV, labels.json, deep/er/labels.csv); labels.TSV is used.',
      ],
    });
  });

  it('refuses a pre block without its post, and the reverse, naming both files', () => {
    expect(refused(planBlockStore(files('s/pre-block-3.safetensors')))).toBe(
      'pre-block-3.safetensors has no partner: post-block-3.safetensors is missing. Every block needs both files; add it, or remove pre-block-3.safetensors.',
    );
    expect(refused(planBlockStore(files(...pair('1'), 'post-block-0007.safetensors')))).toBe(
      'post-block-0007.safetensors has no partner: pre-block-0007.safetensors is missing. Every block needs both files; add it, or remove post-block-0007.safetensors.',
    );
  });

  it('lists the first three problems of many and counts the rest', () => {
    const plan = planBlockStore(
      files(
        ...pair('1'),
        'pre-block-5.safetensors',
        'pre-block-3.safetensors',
        'post-block-4.safetensors',
        'pre-block-20.safetensors',
        'pre-block-6.safetensors',
      ),
    );
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.problems).toHaveLength(5);
    expect(plan.message).toBe(
      'This block store has 5 problems. pre-block-3.safetensors has no partner: post-block-3.safetensors is missing. Every block needs both files; add it, or remove pre-block-3.safetensors. ' +
        'post-block-4.safetensors has no partner: pre-block-4.safetensors is missing. Every block needs both files; add it, or remove post-block-4.safetensors. ' +
        'pre-block-5.safetensors has no partner: post-block-5.safetensors is missing. Every block needs both files; add it, or remove pre-block-5.safetensors. ...and 2 more like these.',
    );
  });

  it('refuses a block file given twice (in two subfolders)', () => {
    expect(refused(planBlockStore(files(...pair('1'), 'other/pre-block-1.safetensors')))).toBe(
      'pre-block-1.safetensors appears 2 times (store/pre-block-1.safetensors, other/pre-block-1.safetensors); a block store holds one file per block. Keep one of them.',
    );
  });

  it('refuses a block file too short to be safetensors before reading anything', () => {
    expect(
      refused(
        planBlockStore([
          { name: 'pre-block-1.safetensors', size: 0 },
          { name: 'post-block-1.safetensors', size: 100 },
        ]),
      ),
    ).toBe(
      'pre-block-1.safetensors is 0 bytes, too short to be a safetensors file (one starts with an 8-byte header length). It is empty or was cut off. Copy or export the file again.',
    );
  });

  it('says what a block store holds when the folder has no blocks', () => {
    const holds =
      'A block store holds pre-block-<id>.safetensors and post-block-<id>.safetensors for each image (one tensor named "block" in each, as the paper\'s code saves them), and, if you have them, the images (<id>.png, .jpg, ...) and a labels file (labels.csv, labels.tsv or labels.json) beside them.';
    expect(refused(planBlockStore([]))).toBe(`This folder holds no block files. ${holds}`);
    expect(refused(planBlockStore(files('a.png', 'b.png')))).toBe(`This folder holds no block files. ${holds}`);
    expect(refused(planBlockStore(files('x/model.safetensors', 'pre_block_1.safetensors', 'Pre-block-1.safetensors')))).toBe(
      `This folder holds no block files. It holds 3 other .safetensors files (model.safetensors, pre_block_1.safetensors, ...), not named as blocks. ${holds}`,
    );
  });

  it('refuses more than MAX_BLOCKS blocks from the count alone, saying how many, the cap and what to do', () => {
    const many: BlockStoreFile[] = [];
    for (let i = 0; i < 100_000; i++) many.push({ name: `s/pre-block-${i}.safetensors`, size: 0 }, { name: `s/post-block-${i}.safetensors`, size: 0 });
    // Sizes of 0 would be refused one by one; the cap answers first, without pairing 100,000 blocks.
    expect(refused(planBlockStore(many))).toBe(
      'This folder holds 100,000 blocks (pre-block files); Connector Lens opens at most 20,000, because the neighbour search compares every pair of blocks. Open a folder with 20,000 blocks or fewer (move the rest, with their post-block files, to another folder).',
    );
    expect(refused(planBlockStore(many.filter((f) => f.name.includes('post'))))).toMatch(/^This folder holds 100,000 blocks \(post-block files\)/);
  });

  it('opens exactly MAX_BLOCKS blocks', () => {
    const plan = planBlockStore(Array.from({ length: MAX_BLOCKS }, (_, i) => files(...pair(String(MAX_BLOCKS - i)))).flat());
    expect(plan.ok && plan.blocks.length).toBe(MAX_BLOCKS);
    expect(plan.ok && [plan.blocks[0]!.id, plan.blocks[MAX_BLOCKS - 1]!.id]).toEqual(['1', String(MAX_BLOCKS)]);
  });

  it('refuses a drop that listed only part of its files', () => {
    expect(refused(planBlockStore(files(...pair('1')), { extraFiles: 5 }))).toBe(
      'This drop holds 7 files, but only the first 2 were listed, so blocks among the other 5 would be missing. Open the folder with "Open block store…" instead, which lists every file.',
    );
    expect(planBlockStore(files(...pair('1')), { extraFiles: 0 }).ok).toBe(true);
  });
});

/** A parsed block file, as the worker hands it over: header from the prefix, data after it. */
function blockFile(name: string, tensors: readonly TensorToWrite[]): BlockFile {
  return fromBytes(name, writeSafetensors(tensors));
}
function fromBytes(name: string, bytes: Uint8Array): BlockFile {
  const header = parseSafetensorsHeader(bytes, bytes.length, name);
  return { name, header, data: bytes.subarray(header.dataStart) };
}
const block = (shape: number[], values?: number[], dtype: 'F32' | 'F16' = 'F32'): TensorToWrite => ({
  name: 'block',
  dtype,
  shape,
  data: Float32Array.from(values ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) - 3)),
});
const pre = (id: string, ...t: TensorToWrite[]) => blockFile(`pre-block-${id}.safetensors`, t);
const post = (id: string, ...t: TensorToWrite[]) => blockFile(`post-block-${id}.safetensors`, t);

/** A file with a hand-written header (dtypes the writer does not write). */
function handMade(name: string, header: string, data: number[]): BlockFile {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return fromBytes(name, bytes);
}

describe('readStoreBlock', () => {
  it('reads token blocks to float32 and mean-pools them (worked by hand)', () => {
    const got = readStoreBlock(pre('1', block([2, 3], [1, 2, 3, 5, 6, 10])), post('1', block([3, 2], [1, 0.5, -1, 0.25, 3, 1], 'F16')), null);
    expect(got).toMatchObject({
      preFile: 'pre-block-1.safetensors',
      postFile: 'post-block-1.safetensors',
      rank: 2,
      preShape: [2, 3],
      postShape: [3, 2],
      tokensPre: 2,
      dPre: 3,
      tokensPost: 3,
      dPost: 2,
    });
    expect(Array.from(got.pre)).toEqual([1, 2, 3, 5, 6, 10]);
    expect(Array.from(got.post)).toEqual([1, 0.5, -1, 0.25, 3, 1]);
    expect(Array.from(got.pooledPre)).toEqual([3, 4, 6.5]);
    expect(Array.from(got.pooledPost)).toEqual([1, Math.fround(1.75 / 3)]);
  });

  it('reads BF16 and F64 blocks, and ignores other tensors beside the block', () => {
    // bf16 0x3fc0 = 1.5, 0xc100 = -8; f64 0.1 rounds to float32.
    const bf16 = handMade('pre-block-2.safetensors', '{"block":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', [0xc0, 0x3f, 0x00, 0xc1]);
    const f64Bytes = new Uint8Array(8);
    new DataView(f64Bytes.buffer).setFloat64(0, 0.1, true);
    const f64 = handMade(
      'post-block-2.safetensors',
      '{"step":{"dtype":"I64","shape":[],"data_offsets":[8,16]},"block":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}',
      [...f64Bytes, 7, 0, 0, 0, 0, 0, 0, 0],
    );
    const got = readStoreBlock(bf16, f64, null);
    expect(got).toMatchObject({ rank: 1, tokensPre: 1, dPre: 2, tokensPost: 1, dPost: 1 });
    expect(Array.from(got.pre)).toEqual([1.5, -8]);
    expect(Array.from(got.pooledPre)).toEqual([1.5, -8]);
    expect(got.pooledPre).not.toBe(got.pre);
    expect(Array.from(got.pooledPost)).toEqual([Math.fround(0.1)]);
  });

  it("accepts later blocks of the first block's shapes", () => {
    const first = readStoreBlock(pre('1', block([4, 3])), post('1', block([2, 5])), null);
    const second = readStoreBlock(pre('2', block([4, 3])), post('2', block([2, 5], undefined, 'F16')), first);
    expect(second.tokensPost).toBe(2);
  });

  it('refuses a file without a tensor named block, naming what it holds', () => {
    expect(refusal(() => readStoreBlock(pre('3', { ...block([2]), name: 'embedding' }, { ...block([1]), name: 'x' }), post('3', block([2])), null))).toBe(
      'pre-block-3.safetensors has no tensor named "block"; it holds "embedding", "x". A block store file holds one tensor named "block", as the paper\'s code saves it: safetensors.torch.save_file({\'block\': tensor}, path).',
    );
    expect(refusal(() => readStoreBlock(pre('3', block([2])), post('3'), null))).toMatch(
      /^post-block-3\.safetensors has no tensor named "block"; it holds no tensors\. /,
    );
    const seven = Array.from({ length: 7 }, (_, i) => ({ ...block([1]), name: `t${i}` }));
    expect(refusal(() => readStoreBlock(pre('3', ...seven), post('3', block([2])), null))).toMatch(/it holds "t0", "t1", "t2", "t3", "t4" and 2 more\./);
  });

  it('refuses a block stored as integers, naming its dtype and the ones read', () => {
    const ints = handMade('pre-block-3.safetensors', '{"block":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', [1, 0, 0, 0, 0, 0, 0, 0]);
    expect(refusal(() => readStoreBlock(ints, post('3', block([2])), null))).toBe(
      'pre-block-3.safetensors stores its block as I64; Connector Lens reads blocks in F32, F16, BF16 or F64. Save the embeddings as floating point (tensor.float()).',
    );
  });

  it('refuses blocks that are not [tokens, dim] or [dim]', () => {
    expect(refusal(() => readStoreBlock(pre('3', block([1, 4, 2])), post('3', block([2])), null))).toBe(
      'pre-block-3.safetensors holds a block of shape [1, 4, 2] (3 dimensions); a block is [tokens, dim], or a pooled vector [dim]. Its first dimension looks like a batch of one: save tensor[0].',
    );
    expect(refusal(() => readStoreBlock(pre('3', block([2])), post('3', block([])), null))).toBe(
      'post-block-3.safetensors holds a block of shape [] (a single number); a block is [tokens, dim], or a pooled vector [dim].',
    );
    expect(refusal(() => readStoreBlock(pre('3', block([2, 2, 2, 2])), post('3', block([2])), null))).toMatch(
      /\(4 dimensions\); a block is \[tokens, dim\], or a pooled vector \[dim\]\.$/,
    );
    expect(refusal(() => readStoreBlock(pre('3', block([0, 768])), post('3', block([2])), null))).toBe(
      'pre-block-3.safetensors holds a block of shape [0, 768], which has no values. Export the block again.',
    );
  });

  it('refuses tokens on one side and a pooled vector on the other', () => {
    expect(refusal(() => readStoreBlock(pre('3', block([4, 2])), post('3', block([5])), null))).toBe(
      'pre-block-3.safetensors holds tokens [4, 2] but post-block-3.safetensors a pooled vector [5]: both files of a block must hold tokens [tokens, dim], or both pooled vectors [dim]. Export them the same way.',
    );
  });

  it("refuses a block whose shape differs from the first block's, naming both files and shapes", () => {
    const first: StoreBlock = readStoreBlock(pre('0', block([4, 3])), post('0', block([2, 5])), null);
    expect(refusal(() => readStoreBlock(pre('12', block([5, 3])), post('12', block([2, 5])), first))).toBe(
      "pre-block-12.safetensors holds a block of shape [5, 3], but the first block's (pre-block-0.safetensors) is [4, 3]: every pre block of a store has the same shape (one encoder, one image size). Remove the odd block, or export the store again.",
    );
    expect(refusal(() => readStoreBlock(pre('12', block([4, 3])), post('12', block([2, 6])), first))).toBe(
      "post-block-12.safetensors holds a block of shape [2, 6], but the first block's (post-block-0.safetensors) is [2, 5]: every post block of a store has the same shape (one connector). Remove the odd block, or export the store again.",
    );
    expect(refusal(() => readStoreBlock(pre('12', block([12])), post('12', block([10])), first))).toMatch(
      /^pre-block-12\.safetensors holds a block of shape \[12\], but the first block's \(pre-block-0\.safetensors\) is \[4, 3\]/,
    );
  });

  it('refuses a block holding NaN or an infinity, saying where, with a hint for float16 overflow', () => {
    expect(refusal(() => readStoreBlock(pre('3', block([2, 3], [0, 1, 2, 3, Number.NaN, 5])), post('3', block([1, 1])), null))).toBe(
      'pre-block-3.safetensors holds NaN at token 1, value 1; a block with a value that is not a finite number cannot be compared with the others. Remove this block, or export it again.',
    );
    expect(refusal(() => readStoreBlock(pre('3', block([2])), post('3', block([3], [1, 70000, 2], 'F16')), null))).toBe(
      'post-block-3.safetensors holds Infinity at value 1; a block with a value that is not a finite number cannot be compared with the others. float16 overflows past ±65,504: export the block in float32 or bfloat16.',
    );
  });
});
