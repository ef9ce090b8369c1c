/**
 * Neighbour candidates by float32 matrix products in ONNX Runtime (MLAS's SIMD GEMM on WASM, or
 * WebGPU where a real adapter exists), for core/knn/neighbourTable.ts, which makes the answer
 * exact. The app's source is now core/knn/kernelCandidates.ts (its own WebAssembly kernel: fused
 * multiply-add, no TopK, no second pass); this one stays as the bench's comparison (the same lists,
 * timed in the same run) and as the way to products on a GPU.
 *
 * The vectors go to ORT once, as external data of a small graph (core/onnx/smallModel.ts). Each
 * run multiplies a set of rows with a range of columns and returns, for cosine and for L2, the
 * top scores of each row (over the columns) and of each column (over the rows).
 *
 * First pass: blocks of rows [start, end), each multiplied only with columns start.. (the upper
 * half: a dot product serves both of its images), so every pair is scored once. A row's pool is
 * its own block's row top plus the column tops of every earlier block; the pool's bound is the
 * best score any step left out. Column tops are kept short (COLUMN_TOP per block): TopK's cost
 * grows steeply with k down a [block, n] column, and most images' neighbours spread over blocks.
 *
 * Second pass: a row whose pool is short, or whose width-th score is not clear of its bound by
 * twice the scores' error (approximateScoreError: certification would likely fail), is searched
 * again against every column, with a full row top. Images whose neighbours bunch up in one block
 * (a set sorted by class) cost a second product for their rows; the answer never depends on it.
 *
 * Scores: cosine similarity (the dot product times both inverse norms), and for L2, 2 x.y - |y|^2
 * (|x - y|^2 = |x|^2 - that, so higher is nearer for the row's x).
 */
import { squaredNorms } from '../core/knn/nearest.ts';
import { approximateScoreError, type CandidatePools, type CandidateSource, type RowPool } from '../core/knn/neighbourTable.ts';
import { writeSmallModel, type SmallNode } from '../core/onnx/smallModel.ts';
import type { Metric } from '../core/types.ts';
import { createSession, type ExecutionProvider, type Int32Tensor, type Float32Tensor, type Session } from './ort.ts';

/** Rows per run: large enough for GEMM to run at speed, small enough for a [block, n] score matrix to stay tens of MB. */
const BLOCK_ROWS = 512;
/** Candidates a pool keeps beyond what the table needs, so most rows certify. */
const MARGIN = 16;
/**
 * Candidates each column takes from one block of rows in the first pass. Measured (N = 10,000,
 * 512-row blocks): TopK down the columns costs about 2 s per metric and table at k = 67, under
 * 0.5 s at k = 24; rows it leaves short are searched again.
 */
const COLUMN_TOP = 16;

function knnGraph(n: number, dim: number): Uint8Array {
  const nodes: SmallNode[] = [
    { op: 'Gather', inputs: ['x', 'rows'], outputs: ['q'], attributes: { axis: 0 } },
    { op: 'Slice', inputs: ['x', 'col_start', 'col_end', 'axis0'], outputs: ['t'] },
    { op: 'Gemm', inputs: ['q', 't'], outputs: ['dot'], attributes: { transB: 1 } },
    { op: 'Gather', inputs: ['inv', 'rows'], outputs: ['inv_q_flat'], attributes: { axis: 0 } },
    { op: 'Unsqueeze', inputs: ['inv_q_flat', 'axis1'], outputs: ['inv_q'] },
    { op: 'Slice', inputs: ['inv', 'col_start', 'col_end', 'axis0'], outputs: ['inv_t'] },
    { op: 'Mul', inputs: ['dot', 'inv_q'], outputs: ['cos_half'] },
    { op: 'Mul', inputs: ['cos_half', 'inv_t'], outputs: ['cos'] },
    { op: 'TopK', inputs: ['cos', 'k_row'], outputs: ['cos_row_v', 'cos_row_i'], attributes: { axis: 1 } },
    { op: 'TopK', inputs: ['cos', 'k_col'], outputs: ['cos_col_v', 'cos_col_i'], attributes: { axis: 0 } },
    { op: 'Gather', inputs: ['sq', 'rows'], outputs: ['sq_q_flat'], attributes: { axis: 0 } },
    { op: 'Unsqueeze', inputs: ['sq_q_flat', 'axis1'], outputs: ['sq_q'] },
    { op: 'Slice', inputs: ['sq', 'col_start', 'col_end', 'axis0'], outputs: ['sq_t'] },
    { op: 'Add', inputs: ['dot', 'dot'], outputs: ['dot2'] },
    { op: 'Sub', inputs: ['dot2', 'sq_t'], outputs: ['l2_rows'] },
    { op: 'Sub', inputs: ['dot2', 'sq_q'], outputs: ['l2_cols'] },
    { op: 'TopK', inputs: ['l2_rows', 'k_row'], outputs: ['l2_row_v', 'l2_row_i'], attributes: { axis: 1 } },
    { op: 'TopK', inputs: ['l2_cols', 'k_col'], outputs: ['l2_col_v', 'l2_col_i'], attributes: { axis: 0 } },
  ];
  const scalarInput = (name: string) => ({ name, type: 'int64' as const, dims: [1] });
  const out = (name: string, type: 'float32' | 'int64') => ({ name, type, dims: [`${name}_a`, `${name}_b`] });
  return writeSmallModel({
    name: 'neighbour_candidates',
    nodes,
    initializers: [
      { name: 'x', type: 'float32', dims: [n, dim], values: { location: 'x.bin', offset: 0, length: n * dim * 4 } },
      { name: 'inv', type: 'float32', dims: [n], values: { location: 'norms.bin', offset: 0, length: n * 4 } },
      { name: 'sq', type: 'float32', dims: [n], values: { location: 'norms.bin', offset: n * 4, length: n * 4 } },
      { name: 'axis0', type: 'int64', dims: [1], values: BigInt64Array.of(0n) },
      { name: 'axis1', type: 'int64', dims: [1], values: BigInt64Array.of(1n) },
    ],
    inputs: [{ name: 'rows', type: 'int64', dims: ['rows'] }, ...['col_start', 'col_end', 'k_row', 'k_col'].map(scalarInput)],
    outputs: ['cos_row', 'cos_col', 'l2_row', 'l2_col'].flatMap((p) => [out(`${p}_v`, 'float32'), out(`${p}_i`, 'int64')]),
  });
}

/**
 * A row's pool while blocks arrive: the best `keep` candidates so far, sorted by score (highest
 * first), and the best score left out so far. Each block's top list arrives sorted (TopK's
 * order), so adding one is a merge of two sorted runs, linear in `keep`.
 */
class Pool {
  index: Int32Array;
  score: Float32Array;
  size = 0;
  bound = -Infinity;
  private spareIndex: Int32Array;
  private spareScore: Float32Array;
  constructor(readonly keep: number) {
    this.index = new Int32Array(keep);
    this.score = new Float32Array(keep);
    this.spareIndex = new Int32Array(keep);
    this.spareScore = new Float32Array(keep);
  }
  /** Merges a top list (scores descending, read with `stride` from `offset`), its indices shifted by `base`. */
  add(indices: Int32Array, scores: Float32Array, offset: number, stride: number, count: number, base: number, truncated: boolean): void {
    this.merge(indices, scores, offset, stride, count, (j) => j + base, truncated);
  }
  /** The same for a top list whose indices are positions in `rows`. */
  addRows(indices: Int32Array, scores: Float32Array, offset: number, stride: number, count: number, rows: readonly number[], truncated: boolean): void {
    this.merge(indices, scores, offset, stride, count, (j) => rows[j]!, truncated);
  }
  private merge(
    indices: Int32Array,
    scores: Float32Array,
    offset: number,
    stride: number,
    count: number,
    image: (j: number) => number,
    truncated: boolean,
  ): void {
    // Everything that source left out scores at most its last (lowest) kept score.
    if (truncated && count > 0) this.bound = Math.max(this.bound, scores[offset + (count - 1) * stride]!);
    const { keep, index, score, spareIndex, spareScore } = this;
    let a = 0;
    let b = 0;
    let out = 0;
    while (out < keep && (a < this.size || b < count)) {
      const fromOld = b >= count || (a < this.size && score[a]! >= scores[offset + b * stride]!);
      if (fromOld) {
        spareIndex[out] = index[a]!;
        spareScore[out++] = score[a++]!;
      } else {
        spareIndex[out] = image(indices[offset + b * stride]!);
        spareScore[out++] = scores[offset + b++ * stride]!;
      }
    }
    // The best candidate that did not fit is the highest score now left out.
    if (a < this.size) this.bound = Math.max(this.bound, score[a]!);
    if (b < count) this.bound = Math.max(this.bound, scores[offset + b * stride]!);
    this.spareIndex = index;
    this.spareScore = score;
    this.index = spareIndex;
    this.score = spareScore;
    this.size = out;
  }
  done(): RowPool {
    return { index: this.index.slice(0, this.size), score: this.score.slice(0, this.size), bound: this.bound };
  }
}

const i64 = (v: number) => ({ type: 'int64' as const, dims: [1], data: BigInt64Array.of(BigInt(v)) });
const rowList = (rows: readonly number[]) => ({ type: 'int64' as const, dims: [rows.length], data: BigInt64Array.from(rows, (r) => BigInt(r)) });

const METRICS = [
  ['cosine', 'cos'],
  ['l2', 'l2'],
] as const satisfies readonly (readonly [Metric, string])[];

/** A candidate source on ORT, `preferred` providers first (WASM unless the app has a real GPU adapter). */
export function gemmCandidates(preferred: readonly ExecutionProvider[] = ['wasm']): CandidateSource {
  return async (x, n, dim, width) => {
    const keep = Math.min(n, width + MARGIN);
    // Inverse norms (0 for a zero vector), then squared norms, in float32 for the graph.
    const squares = squaredNorms(x, n, dim);
    const norms = new Float32Array(2 * n);
    squares.forEach((s, i) => {
      norms[i] = s === 0 ? 0 : 1 / Math.sqrt(s);
      norms[n + i] = s;
    });
    const session: Session = await createSession(knnGraph(n, dim), preferred, [
      { path: 'x.bin', data: new Uint8Array(x.buffer, x.byteOffset, x.byteLength) },
      { path: 'norms.bin', data: new Uint8Array(norms.buffer) },
    ]);
    const pools: Record<Metric, Pool[]> = {
      cosine: Array.from({ length: n }, () => new Pool(keep)),
      l2: Array.from({ length: n }, () => new Pool(keep)),
    };
    /** Rows `rows` against columns [colStart, n): each row's top into its pools, and (if `columnsFrom`) each column from there its top over the rows. */
    const search = async (rows: readonly number[], colStart: number, columnsFrom: number | null): Promise<void> => {
      const cols = n - colStart;
      const kRow = Math.min(keep, cols);
      const kCol = Math.min(COLUMN_TOP, rows.length);
      const r = await session.runIndexed({ rows: rowList(rows), col_start: i64(colStart), col_end: i64(n), k_row: i64(kRow), k_col: i64(kCol) });
      for (const [metric, prefix] of METRICS) {
        const target = pools[metric];
        const rowV = (r[`${prefix}_row_v`] as Float32Tensor).data;
        const rowI = (r[`${prefix}_row_i`] as Int32Tensor).data;
        rows.forEach((row, a) => target[row]!.add(rowI, rowV, a * kRow, 1, kRow, colStart, kRow < cols));
        if (columnsFrom === null) continue;
        const colV = (r[`${prefix}_col_v`] as Float32Tensor).data;
        const colI = (r[`${prefix}_col_i`] as Int32Tensor).data;
        // Row a of the run is image rows[a]: the column tops' indices are run rows, mapped back here.
        for (let c = columnsFrom - colStart; c < cols; c++) target[colStart + c]!.addRows(colI, colV, c, cols, kCol, rows, kCol < rows.length);
      }
    };
    const again: number[] = [];
    try {
      // First pass: the upper half, block by block; columns that are block rows are covered by their own row tops.
      for (let start = 0; start < n; start += BLOCK_ROWS) {
        const end = Math.min(n, start + BLOCK_ROWS);
        await search(
          Array.from({ length: end - start }, (_, a) => start + a),
          start,
          end,
        );
      }
      // Second pass: rows the first left short, against every column, with fresh pools.
      let maxNorm = 0;
      for (const s of squares) maxNorm = Math.max(maxNorm, Math.sqrt(s));
      const short = (metric: Metric, i: number) => {
        const pool = pools[metric][i]!;
        if (pool.size < width) return true;
        const margin = pool.score[width - 1]! - pool.bound;
        return !(margin > 2 * approximateScoreError(metric, dim, Math.sqrt(squares[i]!), maxNorm));
      };
      for (let i = 0; i < n; i++) if (short('cosine', i) || short('l2', i)) again.push(i);
      for (const i of again) for (const [metric] of METRICS) pools[metric][i] = new Pool(keep);
      for (let a = 0; a < again.length; a += BLOCK_ROWS) await search(again.slice(a, a + BLOCK_ROWS), 0, null);
    } finally {
      await session.dispose();
    }
    const finish = (list: Pool[]): RowPool[] => list.map((p) => p.done());
    return { cosine: finish(pools.cosine), l2: finish(pools.l2), rowsSearchedAgain: again.length } satisfies CandidatePools;
  };
}
