/**
 * The WebAssembly text of the dot-product kernel behind core/knn/kernelCandidates.ts, written out
 * by a generator because its 12 accumulators and the unrolled steps are the same lines many times
 * over. scripts/kernels/build.ts assembles it (wabt) into src/core/knn/dotProductsWasm.ts.
 *
 * The kernel multiplies packed row tiles with packed column panels, as in every fast GEMM
 * (Goto's layout): a tile holds 6 rows and a panel 8 columns, each interleaved dimension by
 * dimension ([dim][6] and [dim][8] float32), so one step loads the panel's 8 values of a dimension
 * (two 4-lane vectors), broadcasts each of the tile's 6 values, and does 12 multiply-adds into 12
 * accumulators that stay in registers (6 x 8 products: no horizontal sums). The dimensions run in
 * chunks (kc) so that a chunk of the panel stays in the L1 cache while every tile of the block
 * passes over it; the accumulators go out to the product block between chunks.
 *
 * Two builds: `fused` uses relaxed SIMD's f32x4.relaxed_madd, which becomes one fused
 * multiply-add where the CPU has one (x86 FMA3, ARM NEON): about 1.3x the speed of a separate
 * multiply and add, the form plain SIMD has (and ONNX Runtime's WebAssembly GEMM uses). A fused or
 * unfused product has the same error bound (gamma_d |a||b|, the bound the certification in
 * neighbourTable.ts uses), so which build runs changes only the time. `shared` imports a shared
 * memory, so that several workers can compute parts of one block (workers/productsPool.ts).
 */

import { PANEL_COLUMNS, TILE_ROWS } from '../../src/core/knn/dotProducts.ts';
import { REGISTER_TILE_COLUMNS, REGISTER_TILE_ROWS, tileFunction } from './registerTileWat.ts';

export interface KernelBuild {
  readonly fused: boolean;
  readonly shared: boolean;
}

export function dotProductsWat({ fused, shared }: KernelBuild): string {
  if (PANEL_COLUMNS !== REGISTER_TILE_COLUMNS || TILE_ROWS !== REGISTER_TILE_ROWS)
    throw new Error(`the kernel's text is written for ${REGISTER_TILE_ROWS} x ${REGISTER_TILE_COLUMNS} tiles, not ${TILE_ROWS} x ${PANEL_COLUMNS}`);
  const tileBytes = 4 * TILE_ROWS;
  const panelBytes = 4 * PANEL_COLUMNS;
  const productBytes = 4 * TILE_ROWS * PANEL_COLUMNS;
  return `(module
  (import "env" "memory" (memory 1 65536${shared ? ' shared' : ''}))
  ;; One tile times one panel over \`steps\` dimensions, added to the 6 x 8 products at $cp
  ;; (or written there when $fresh: the first chunk).
  ${tileFunction(fused)}

  ;; Products of \`tiles\` packed tiles at $a ([tiles][dim][6]) with \`panels\` packed panels at $b
  ;; ([panels][dim][8]), into $c as [tiles][cPanelStride][6][8] (a caller computing part of a
  ;; block's panels passes the block's panel count as the stride), in chunks of kc dimensions.
  (func (export "products") (param $a i32) (param $b i32) (param $c i32) (param $tiles i32) (param $panels i32)
    (param $cPanelStride i32) (param $dim i32) (param $kc i32)
    (local $d0 i32) (local $p i32) (local $t i32) (local $steps i32)
    (loop $chunks
      (local.set $steps (i32.sub (local.get $dim) (local.get $d0)))
      (if (i32.gt_u (local.get $steps) (local.get $kc)) (then (local.set $steps (local.get $kc))))
      (local.set $p (i32.const 0))
      (loop $panelLoop
        (local.set $t (i32.const 0))
        (loop $tileLoop
          (call $tile
            (i32.add (local.get $a) (i32.mul (i32.add (i32.mul (local.get $t) (local.get $dim)) (local.get $d0)) (i32.const ${tileBytes})))
            (i32.add (local.get $b) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $dim)) (local.get $d0)) (i32.const ${panelBytes})))
            (local.get $steps)
            (i32.add (local.get $c) (i32.mul (i32.add (i32.mul (local.get $t) (local.get $cPanelStride)) (local.get $p)) (i32.const ${productBytes})))
            (i32.eqz (local.get $d0)))
          (br_if $tileLoop (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $tiles))))
        (br_if $panelLoop (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $panels))))
      (br_if $chunks (i32.lt_u (local.tee $d0 (i32.add (local.get $d0) (local.get $kc))) (local.get $dim)))))
)
`;
}
