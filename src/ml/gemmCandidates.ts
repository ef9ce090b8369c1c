/**
 * Neighbour candidates by float32 matrix products in ONNX Runtime (MLAS's SIMD GEMM on WASM, or
 * WebGPU where a real adapter exists): the fast half of core/knn/neighbourTable.ts, which makes
 * the answer exact.
 *
 * The vectors go to ORT once, as external data of a small graph (core/onnx/smallModel.ts). Each
 * run takes a block of rows [start, end) and multiplies it only with rows start.. (the upper half:
 * a dot product serves both of its rows), and returns, for cosine and for L2, the top scores of
 * each block row (over columns start..) and of each column (over the block's rows), so every pair
 * is scored once. A row's pool is its own block's row top plus the column tops of every earlier
 * block, trimmed to `width`; the pool's bound is the best score any step left out.
 *
 * Scores: cosine similarity (the dot product times both inverse norms), and for L2, 2 x.y - |y|^2
 * (|x - y|^2 = |x|^2 - that, so higher is nearer for the row's x).
 */
import { squaredNorms } from '../core/knn/nearest.ts';
import type { CandidatePools, CandidateSource, RowPool } from '../core/knn/neighbourTable.ts';
import { writeSmallModel, type SmallNode } from '../core/onnx/smallModel.ts';
import { createSession, type ExecutionProvider, type Int32Tensor, type Float32Tensor, type Session } from './ort.ts';

/** Rows per run: large enough for GEMM to run at speed, small enough for a [block, n] score matrix to stay tens of MB. */
const BLOCK_ROWS = 512;
/** Candidates a pool keeps beyond what the table needs, so most rows certify. */
const MARGIN = 16;

const INT64_MAX = 2n ** 63n - 1n;

function knnGraph(n: number, dim: number): Uint8Array {
  const nodes: SmallNode[] = [
    { op: 'Slice', inputs: ['x', 'start', 'end', 'axis0'], outputs: ['q'] },
    { op: 'Slice', inputs: ['x', 'start', 'last', 'axis0'], outputs: ['t'] },
    { op: 'Gemm', inputs: ['q', 't'], outputs: ['dot'], attributes: { transB: 1 } },
    { op: 'Slice', inputs: ['inv', 'start', 'end', 'axis0'], outputs: ['inv_q_flat'] },
    { op: 'Unsqueeze', inputs: ['inv_q_flat', 'axis1'], outputs: ['inv_q'] },
    { op: 'Slice', inputs: ['inv', 'start', 'last', 'axis0'], outputs: ['inv_t'] },
    { op: 'Mul', inputs: ['dot', 'inv_q'], outputs: ['cos_half'] },
    { op: 'Mul', inputs: ['cos_half', 'inv_t'], outputs: ['cos'] },
    { op: 'TopK', inputs: ['cos', 'k_row'], outputs: ['cos_row_v', 'cos_row_i'], attributes: { axis: 1 } },
    { op: 'TopK', inputs: ['cos', 'k_col'], outputs: ['cos_col_v', 'cos_col_i'], attributes: { axis: 0 } },
    { op: 'Slice', inputs: ['sq', 'start', 'end', 'axis0'], outputs: ['sq_q_flat'] },
    { op: 'Unsqueeze', inputs: ['sq_q_flat', 'axis1'], outputs: ['sq_q'] },
    { op: 'Slice', inputs: ['sq', 'start', 'last', 'axis0'], outputs: ['sq_t'] },
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
      { name: 'last', type: 'int64', dims: [1], values: BigInt64Array.of(INT64_MAX) },
    ],
    inputs: [scalarInput('start'), scalarInput('end'), scalarInput('k_row'), scalarInput('k_col')],
    outputs: ['cos_row', 'cos_col', 'l2_row', 'l2_col'].flatMap((p) => [out(`${p}_v`, 'float32'), out(`${p}_i`, 'int64')]),
  });
}

/** A row's pool while blocks arrive: candidates by index, and the best score left out so far. */
class Pool {
  index: number[] = [];
  score: number[] = [];
  bound = -Infinity;
  add(indices: Int32Array, scores: Float32Array, offset: number, stride: number, count: number, base: number, truncated: boolean): void {
    for (let c = 0; c < count; c++) {
      this.index.push(indices[offset + c * stride]! + base);
      this.score.push(scores[offset + c * stride]!);
    }
    // Everything that source left out scores at most its last (lowest) kept score.
    if (truncated && count > 0) this.bound = Math.max(this.bound, scores[offset + (count - 1) * stride]!);
  }
  /** Keep the best `keep`; the best one dropped becomes part of the bound. */
  trim(keep: number): void {
    if (this.index.length <= keep) return;
    const order = this.index.map((_, a) => a).sort((a, b) => this.score[b]! - this.score[a]!);
    this.bound = Math.max(this.bound, this.score[order[keep]!]!);
    this.index = order.slice(0, keep).map((a) => this.index[a]!);
    this.score = order.slice(0, keep).map((a) => this.score[a]!);
  }
  done(): RowPool {
    return { index: Int32Array.from(this.index), score: Float32Array.from(this.score), bound: this.bound };
  }
}

const i64 = (v: number) => ({ type: 'int64' as const, dims: [1], data: BigInt64Array.of(BigInt(v)) });

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
    const pools = { cosine: Array.from({ length: n }, () => new Pool()), l2: Array.from({ length: n }, () => new Pool()) };
    try {
      for (let start = 0; start < n; start += BLOCK_ROWS) {
        const end = Math.min(n, start + BLOCK_ROWS);
        const rows = end - start;
        const cols = n - start;
        const kRow = Math.min(keep, cols);
        const kCol = Math.min(keep, rows);
        const r = await session.runIndexed({ start: i64(start), end: i64(end), k_row: i64(kRow), k_col: i64(kCol) });
        for (const [metric, prefix] of [
          ['cosine', 'cos'],
          ['l2', 'l2'],
        ] as const) {
          const rowV = (r[`${prefix}_row_v`] as Float32Tensor).data;
          const rowI = (r[`${prefix}_row_i`] as Int32Tensor).data;
          const colV = (r[`${prefix}_col_v`] as Float32Tensor).data;
          const colI = (r[`${prefix}_col_i`] as Int32Tensor).data;
          const target = pools[metric];
          // Each block row: its top over columns start..n.
          for (let a = 0; a < rows; a++) target[start + a]!.add(rowI, rowV, a * kRow, 1, kRow, start, kRow < cols);
          // Each later column: its top over this block's rows (columns in the block are their own rows, above).
          for (let c = rows; c < cols; c++) {
            const pool = target[start + c]!;
            pool.add(colI, colV, c, cols, kCol, start, kCol < rows);
            pool.trim(keep);
          }
        }
      }
    } finally {
      await session.dispose();
    }
    const finish = (list: Pool[]): RowPool[] =>
      list.map((p) => {
        p.trim(keep);
        return p.done();
      });
    return { cosine: finish(pools.cosine), l2: finish(pools.l2) } satisfies CandidatePools;
  };
}
