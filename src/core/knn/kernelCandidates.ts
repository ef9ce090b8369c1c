/**
 * Neighbour candidates from float32 dot products on our own WebAssembly kernel (dotProducts.ts):
 * the candidate source neighbourTable.ts certifies, so the lists are exact whatever this proposes.
 *
 * Every pair is multiplied once (a block of rows against the columns from its first row on: the
 * upper half) and offered to both of its rows, so each row's pool is exactly the `keep` best of
 * all n images by approximate score, with nothing searched twice. A pool has an entry score an
 * image must beat; nearly every product fails that test, so the selection costs a comparison per
 * score, not a sort. The bound neighbourTable.ts needs (the best approximate score left out) is
 * then the final entry: every image left out scored at most the entry at the time, and it only rises.
 *
 * Scores as gemmCandidates.ts gives them: cosine similarity (the dot product times both inverse
 * norms) and, for L2, 2 x.y - |y|^2 (higher is nearer for the row's x), here in float64 from the
 * float32 product, whose error the certification bounds.
 */
import { squaredNorms } from './nearest.ts';
import type { CandidatePools, CandidateSource, RowPool } from './neighbourTable.ts';
import {
  BLOCK_ROWS,
  PANEL_COLUMNS,
  TILE_ROWS,
  packPanels,
  packTiles,
  productLayout,
  singleThreadProducts,
  type BlockProducts,
  type ProductEngineFactory,
  type ProductLayout,
} from './dotProducts.ts';

/** Candidates a pool keeps beyond what the table needs, so that rows certify (near-ties at the edge). */
const MARGIN = 16;

/**
 * Every row's `keep` best (score, image) so far. Each row collects what beats its entry score in
 * a buffer of four times `keep`; when the buffer fills, a selection keeps the best `keep` and raises
 * the entry to the lowest of them. About 11 million scores pass the entry tests of a table at
 * N = 10,000 (most of them early, while the entries are still low), so a pass costs a store, not
 * a heap's sift. Measured in Node at N = 10,000 (d = 8, so that the products cost nothing): the
 * whole selection 1.6 s a table, against 1.8 s with a heap per row; most of it is the scan of 50
 * million products itself (staging the columns' scores to offer them image by image was slower).
 */
class TopPools {
  readonly score: Float64Array;
  readonly index: Int32Array;
  readonly count: Int32Array;
  /** The score to beat: the lowest kept at the last selection, -Infinity before the first. */
  readonly entry: Float64Array;
  private readonly capacity: number;
  private readonly scratch: Float64Array;
  constructor(
    readonly n: number,
    readonly keep: number,
  ) {
    this.capacity = 4 * keep;
    this.score = new Float64Array(n * this.capacity);
    this.index = new Int32Array(n * this.capacity);
    this.count = new Int32Array(n);
    this.entry = new Float64Array(n).fill(-Infinity);
    this.scratch = new Float64Array(this.capacity);
  }

  /** Adds image j at `value` to row i; callers test value > entry[i] first. */
  offer(i: number, j: number, value: number): void {
    const at = i * this.capacity + this.count[i]!;
    this.score[at] = value;
    this.index[at] = j;
    if (++this.count[i]! === this.capacity) this.select(i);
  }

  /** Keeps row i's best `keep` (ties at the edge: the first collected) and raises its entry to the lowest kept. */
  private select(i: number): void {
    const { keep, score, index, scratch } = this;
    const base = i * this.capacity;
    const count = this.count[i]!;
    if (count <= keep) return;
    for (let a = 0; a < count; a++) scratch[a] = score[base + a]!;
    const lowest = kthLargest(scratch, count, keep);
    let above = 0;
    for (let a = 0; a < count; a++) if (score[base + a]! > lowest) above++;
    let atLowest = keep - above;
    let out = 0;
    for (let a = 0; a < count; a++) {
      const value = score[base + a]!;
      if (value > lowest || (value === lowest && atLowest-- > 0)) {
        score[base + out] = value;
        index[base + out++] = index[base + a]!;
      }
    }
    this.count[i] = out;
    this.entry[i] = lowest;
  }

  /** Row i's pool, best first; `leftOut` when images were offered that it does not hold. */
  done(i: number, leftOut: boolean): RowPool {
    this.select(i);
    const count = this.count[i]!;
    const base = i * this.capacity;
    const index = new Int32Array(count);
    const score = new Float64Array(count);
    // Insertion sort, highest first: a pool is a few dozen entries.
    for (let a = 0; a < count; a++) {
      const value = this.score[base + a]!;
      const image = this.index[base + a]!;
      let at = a;
      while (at > 0 && score[at - 1]! < value) {
        score[at] = score[at - 1]!;
        index[at] = index[at - 1]!;
        at--;
      }
      score[at] = value;
      index[at] = image;
    }
    return {
      index,
      score: Float32Array.from(score),
      // Everything left out scored at most the entry when it was left out, and the entry only rises.
      bound: leftOut ? this.entry[i]! : -Infinity,
    };
  }
}

/** The k-th largest of values[0..count) (1-based k), reordering `values` (Hoare's quickselect). */
function kthLargest(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let a = lo;
    let b = hi;
    while (a <= b) {
      while (values[a]! > pivot) a++;
      while (values[b]! < pivot) b--;
      if (a <= b) {
        const t = values[a]!;
        values[a++] = values[b]!;
        values[b--] = t;
      }
    }
    if (target <= b) hi = b;
    else if (target >= a) lo = a;
    else return values[target]!;
  }
  return values[target]!;
}

/**
 * Offers every pair of one block's products to both rows' pools (each pair once: columns from
 * the row on, the row itself included once, as kNearest's self candidate).
 */
function offerBlock(
  products: Float32Array,
  layout: ProductLayout,
  rowStart: number,
  block: BlockProducts,
  inverse: Float64Array,
  squares: Float64Array,
  cosine: TopPools,
  l2: TopPools,
): void {
  const { n } = layout;
  const cosEntry = cosine.entry;
  const l2Entry = l2.entry;
  const perTile = block.panels * TILE_ROWS * PANEL_COLUMNS;
  for (let t = 0; t < block.tiles; t++) {
    for (let r = 0; r < TILE_ROWS; r++) {
      const i = rowStart + t * TILE_ROWS + r;
      if (i >= n) return;
      const inverseI = inverse[i]!;
      const squareI = squares[i]!;
      // Panels wholly before row i hold pairs offered from their own rows' blocks.
      const fromPanel = Math.floor(i / PANEL_COLUMNS) - block.firstPanel;
      for (let p = fromPanel; p < block.panels; p++) {
        const at = t * perTile + (p * TILE_ROWS + r) * PANEL_COLUMNS;
        const firstColumn = (block.firstPanel + p) * PANEL_COLUMNS;
        for (let c = 0; c < PANEL_COLUMNS; c++) {
          const j = firstColumn + c;
          if (j < i) continue;
          if (j >= n) break;
          const dot = products[at + c]!;
          const cos = dot * inverseI * inverse[j]!;
          const twice = dot + dot;
          const l2ForI = twice - squares[j]!;
          if (cos > cosEntry[i]!) cosine.offer(i, j, cos);
          if (l2ForI > l2Entry[i]!) l2.offer(i, j, l2ForI);
          if (j === i) continue;
          const l2ForJ = twice - squareI;
          if (cos > cosEntry[j]!) cosine.offer(j, i, cos);
          if (l2ForJ > l2Entry[j]!) l2.offer(j, i, l2ForJ);
        }
      }
    }
  }
}

/** A candidate source on the dot-product kernel: on this thread, or on the engine `engines` makes (workers in the browser). */
export function kernelCandidates(engines: ProductEngineFactory = singleThreadProducts): CandidateSource {
  return async (x, n, dim, width, progress) => {
    const keep = Math.min(n, width + MARGIN);
    const squares = squaredNorms(x, n, dim);
    const inverse = squares.map((s) => (s === 0 ? 0 : 1 / Math.sqrt(s)));
    const layout = productLayout(n, dim);
    const engine = await engines(layout);
    try {
      const heap = new Float32Array(engine.memory.buffer);
      packPanels(x, layout, heap);
      const cosine = new TopPools(n, keep);
      const l2 = new TopPools(n, keep);
      const blockAt = (b: number): BlockProducts => {
        const rowStart = b * BLOCK_ROWS;
        const firstPanel = rowStart / PANEL_COLUMNS;
        return { tiles: Math.ceil(Math.min(BLOCK_ROWS, n - rowStart) / TILE_ROWS), firstPanel, panels: layout.panels - firstPanel, buffer: (b % 2) as 0 | 1 };
      };
      const blocks = Math.ceil(n / BLOCK_ROWS);
      // Block b + 1's tiles are packed and its products started before block b's are read: with
      // workers, the selection runs while they compute. The tiles are read only while a block is
      // computed, so they can be packed again once it is finished.
      // A block's products go as its tiles times its panels (the upper half: later blocks have fewer).
      const work = (b: number) => blockAt(b).tiles * blockAt(b).panels;
      let totalWork = 0;
      for (let b = 0; b < blocks; b++) totalWork += work(b);
      let workDone = 0;
      packTiles(x, layout, 0, blockAt(0).tiles, heap);
      engine.start(blockAt(0));
      for (let b = 0; b < blocks; b++) {
        await engine.finish();
        // Between finish and the next start no products are under way, so a cancel stops cleanly.
        await progress?.(workDone / totalWork);
        if (b + 1 < blocks) {
          packTiles(x, layout, (b + 1) * BLOCK_ROWS, blockAt(b + 1).tiles, heap);
          engine.start(blockAt(b + 1));
        }
        const block = blockAt(b);
        const products = new Float32Array(engine.memory.buffer, layout.productsAt[block.buffer], block.tiles * block.panels * TILE_ROWS * PANEL_COLUMNS);
        offerBlock(products, layout, b * BLOCK_ROWS, block, inverse, squares, cosine, l2);
        workDone += work(b);
      }
      await progress?.(1);
      const leftOut = n > keep;
      const finish = (pools: TopPools): RowPool[] => Array.from({ length: n }, (_, i) => pools.done(i, leftOut));
      return { cosine: finish(cosine), l2: finish(l2), rowsSearchedAgain: 0, threads: engine.threads } satisfies CandidatePools;
    } finally {
      engine.dispose();
    }
  };
}
