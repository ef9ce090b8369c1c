/**
 * The block store against the paper's own tools: write_block_store.py saves stores exactly as
 * lyan62/vlm-info-loss does (safetensors.torch.save_file({'block': tensor}, path)) in float32,
 * float16 and bfloat16 tokens and float32 pooled vectors, and computes in numpy the pooled
 * vectors, cosine neighbours (k = 5, self excluded, ties to the lower index; image 7 copies
 * image 3, so ties happen) and KNOR. This module reads the folder as the app does (plan, header
 * from the first bytes, then the data) and the app's own knorFromEmbeddings must agree.
 *
 * The other way round: files from writeSafetensors are read by the safetensors package with the
 * same values and metadata, and saved again by it to the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBlockStore, readStoreBlock, type BlockFile, type StoreBlock } from '../../../src/core/blockstore/blockStore.ts';
import { headerByteLength, parseSafetensorsHeader, writeSafetensors, type TensorToWrite } from '../../../src/core/blockstore/safetensors.ts';
import { knorFromEmbeddings } from '../../../src/core/knn/knor.ts';
import { TOOLS_PYTHON, whyNoToolsPython } from '../../support/toolsPython.ts';

const SCRIPT = resolve(import.meta.dirname, 'write_block_store.py');
const K = 5;

const skipReason = whyNoToolsPython('torch', 'safetensors', 'numpy');
if (skipReason) console.warn(`tests/core/blockstore/pythonBlockStore.test.ts is skipped: ${skipReason}`);

interface Expected {
  readonly ids: string[];
  readonly tokensPre: number[];
  readonly tokensPost: number[];
  readonly pooledPre: number[][];
  readonly pooledPost: number[][];
  readonly nnPre: number[][];
  readonly nnPost: number[][];
  readonly knor: number[];
  readonly knorMean: number;
}

function python(...args: string[]): void {
  const result = spawnSync(TOOLS_PYTHON, [SCRIPT, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`write_block_store.py ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

/** One file as the app reads it: the first 8 bytes, then the header, then the data section. */
function readFile(path: string, name: string): BlockFile {
  const bytes = new Uint8Array(readFileSync(path));
  const headerLength = headerByteLength(bytes.subarray(0, 8), bytes.length, name);
  const header = parseSafetensorsHeader(bytes.slice(0, 8 + headerLength), bytes.length, name);
  return { name, header, data: bytes.slice(header.dataStart) };
}

/** A whole store folder through planBlockStore and readStoreBlock, block by block. */
function readStore(folder: string): { ids: string[]; blocks: StoreBlock[] } {
  const names = readdirSync(folder);
  const plan = planBlockStore(names.map((name) => ({ name: `store/${name}`, size: statSync(join(folder, name)).size })));
  if (!plan.ok) throw new Error(plan.message);
  let first: StoreBlock | null = null;
  const blocks = plan.blocks.map((b) => {
    const name = (path: string) => path.slice('store/'.length);
    const block = readStoreBlock(readFile(join(folder, name(b.pre)), name(b.pre)), readFile(join(folder, name(b.post)), name(b.post)), first);
    first ??= block;
    return block;
  });
  return { ids: plan.blocks.map((b) => b.id), blocks };
}

const concat = (arrays: readonly Float32Array[]) => {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};
const rows = (flat: Int32Array, k: number) => Array.from({ length: flat.length / k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));

/** Equal within float32 rounding: numpy sums pairwise, the app in order; both in float64, then rounded once. */
function expectPooledClose(got: Float32Array, want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, d) => {
    const tolerance = 2 ** -23 * Math.abs(w) + 1e-12;
    expect(Math.abs(got[d]! - w), `${what}, value ${d}: ${got[d]} vs numpy ${w}`).toBeLessThanOrEqual(tolerance);
  });
}

describe.skipIf(skipReason !== null)("a block store written by the paper's code (Python safetensors + numpy)", () => {
  let dir = '';
  let expected: Record<string, Expected> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'block-store-'));
    python('store', join(dir, 'store'));
    expected = JSON.parse(readFileSync(join(dir, 'store', 'expected.json'), 'utf8')) as Record<string, Expected>;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [store, dtype, shapes] of [
    ['f32', 'F32', { rank: 2, tokensPre: 16, dPre: 24, tokensPost: 4, dPost: 32 }],
    ['f16', 'F16', { rank: 2, tokensPre: 16, dPre: 24, tokensPost: 4, dPost: 32 }],
    ['bf16', 'BF16', { rank: 2, tokensPre: 16, dPre: 24, tokensPost: 4, dPost: 32 }],
    ['pooled', 'F32', { rank: 1, tokensPre: 1, dPre: 24, tokensPost: 1, dPost: 32 }],
  ] as const) {
    it(`reads the ${store} store (${dtype}) in numeric id order, with torch's values, numpy's pooled vectors, neighbours and KNOR`, () => {
      const want = expected[store]!;
      const { ids, blocks } = readStore(join(dir, 'store', store));
      // Natural order: 0, 1, 2, ..., 10 (a plain string sort would put 10 after 1).
      expect(ids).toEqual(want.ids);
      for (const b of blocks) expect(b).toMatchObject(shapes);
      for (const b of blocks) expect(readFile(join(dir, 'store', store, b.preFile), b.preFile).header.tensors[0]?.dtype).toBe(dtype);

      // Token values: exactly torch's reading of the same tensors as float32.
      expect(Array.from(concat(blocks.map((b) => b.pre)))).toEqual(want.tokensPre);
      expect(Array.from(concat(blocks.map((b) => b.post)))).toEqual(want.tokensPost);

      blocks.forEach((b, i) => {
        expectPooledClose(b.pooledPre, want.pooledPre[i]!, `pooled pre of block ${ids[i]}`);
        expectPooledClose(b.pooledPost, want.pooledPost[i]!, `pooled post of block ${ids[i]}`);
      });

      const n = blocks.length;
      const result = knorFromEmbeddings(
        concat(blocks.map((b) => b.pooledPre)),
        concat(blocks.map((b) => b.pooledPost)),
        n,
        shapes.dPre,
        shapes.dPost,
        K,
        'cosine',
        false,
      );
      expect(rows(result.nnPre, K)).toEqual(want.nnPre);
      expect(rows(result.nnPost, K)).toEqual(want.nnPost);
      expect(Array.from(result.perImage)).toEqual(want.knor.map((v) => Math.fround(v)));
      expect(result.mean).toBeCloseTo(want.knorMean, 12);
      // Image 7 copies image 3: each is the other's nearest, and every tie lists 3 first.
      expect(want.nnPre[3]![0]).toBe(7);
      expect(want.nnPre.some((row) => row.includes(3) && row.includes(7))).toBe(true);
      expect(want.knorMean).toBeGreaterThan(0.2);
      expect(want.knorMean).toBeLessThan(1);
    });
  }
});

describe.skipIf(skipReason !== null)('writeSafetensors, read by the Python safetensors package', () => {
  let dir = '';
  interface Read {
    readonly metadata: Record<string, string> | null;
    readonly tensors: Record<string, { dtype: string; shape: number[]; bits: number[] }>;
  }
  let read: Record<string, Read> = {};

  const special = Float32Array.of(0, -0, 1.5, -2.25, 1e-40, 65504, 65520, 1e6, Infinity, -Infinity, Number.NaN, 2 ** -24, 3 * 2 ** -26, 0.1);
  const weights = Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i) * 10 ** (i % 5)));
  const files: Record<string, { tensors: TensorToWrite[]; metadata?: Record<string, string> }> = {
    'plain.safetensors': {
      tensors: [
        { name: 'fc1.weight', dtype: 'F32', shape: [3, 4], data: weights },
        { name: 'fc1.bias', dtype: 'F32', shape: [4], data: weights.slice(0, 4) },
        { name: 'half', dtype: 'F16', shape: [2, 7], data: special },
        { name: 'float', dtype: 'F32', shape: [14], data: special },
        { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.of(7) },
        { name: 'empty', dtype: 'F16', shape: [0, 3], data: new Float32Array(0) },
        { name: 'é😀\uff41"\\', dtype: 'F32', shape: [1], data: Float32Array.of(1) },
        // UTF-8 byte order puts U+FF41 before U+1F600; UTF-16 code units would not.
        { name: '😀', dtype: 'F32', shape: [1], data: Float32Array.of(2) },
        { name: '\uff41', dtype: 'F32', shape: [1], data: Float32Array.of(3) },
      ],
    },
    'one-metadata.safetensors': { tensors: [{ name: 'block', dtype: 'F16', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }], metadata: { format: 'pt' } },
    'metadata.safetensors': {
      tensors: [{ name: 'block', dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) }],
      metadata: { format: 'pt', producer: 'connector-lens', note: 'é "quoted"\n' },
    },
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'safetensors-writer-'));
    mkdirSync(join(dir, 'files'));
    for (const [name, file] of Object.entries(files)) writeFileSync(join(dir, 'files', name), writeSafetensors(file.tensors, file.metadata));
    python('check', join(dir, 'files'));
    read = JSON.parse(readFileSync(join(dir, 'files', 'read.json'), 'utf8')) as Record<string, Read>;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is read with the same names, dtypes, shapes, metadata and values (float16 rounded as torch rounds)', () => {
    for (const [name, file] of Object.entries(files)) {
      const got = read[name]!;
      expect(got.metadata, name).toEqual(file.metadata ?? null);
      expect(Object.keys(got.tensors).sort()).toEqual(file.tensors.map((t) => t.name).sort());
      for (const t of file.tensors) {
        const py = got.tensors[t.name]!;
        expect(py.dtype).toBe(t.dtype === 'F32' ? 'torch.float32' : 'torch.float16');
        expect(py.shape).toEqual(t.shape);
        if (t.dtype === 'F32') expect(py.bits).toEqual(Array.from(new Uint32Array(t.data.slice().buffer)));
      }
    }
    // float16: torch's reading, as float32 bits, of what the writer rounded. Worked by hand: ties to even,
    // 65520 -> inf, 1e6 -> inf, 1e-40 -> 0, 3 * 2^-26 -> 2^-24 (nearest subnormal), 0.1 -> 0x2e66.
    const halfBits = read['plain.safetensors']!.tensors['half']!.bits;
    const asFloat = new Float32Array(new Uint32Array(halfBits).buffer);
    expect(Array.from(asFloat)).toEqual([
      0,
      -0,
      1.5,
      -2.25,
      0,
      65504,
      Infinity,
      Infinity,
      Infinity,
      -Infinity,
      Number.NaN,
      2 ** -24,
      2 ** -24,
      Math.fround(1 + 0x266 / 1024) / 16,
    ]);
  });

  it('is saved again by the package to the same bytes (names sorted as it sorts them, header padded as it pads)', () => {
    for (const name of ['plain.safetensors', 'one-metadata.safetensors']) {
      const ours = readFileSync(join(dir, 'files', name));
      const theirs = readFileSync(join(dir, 'files', 'resaved', name));
      expect(ours.equals(theirs), `${name}:\n${ours.subarray(8, 8 + 200).toString()}\n${theirs.subarray(8, 8 + 200).toString()}`).toBe(true);
    }
  });
});
