/**
 * The WebAssembly text of the matrix-product kernel behind src/core/matrix/gemm.ts (the training
 * products of src/ml/denseMatMul.ts), written out by a generator because the micro-kernel's 12
 * accumulators and unrolled steps are the same lines many times over. scripts/kernels/build.ts
 * assembles it (wabt) into src/core/matrix/gemmWasm.ts.
 *
 * The same register tile as the neighbour search's kernel (registerTileWat.ts, shared with dotProductsWat.ts): 6 rows of the left
 * operand times 8 of the right, 12 accumulators of 4 lanes, one broadcast value of the left tile
 * and two 4-lane vectors of the right panel a step. What differs is where the operands come from:
 * a training product reads them where tfjs keeps them, row-major, either way round (a weight, its
 * transpose, an activation's transpose), so the kernel packs them itself. `pack` copies rows of
 * any strided view into the interleaved layout ([rows/group][depth][group]); `block` packs one
 * panel of the right operand at a time into a small buffer that stays in the L1 cache while every
 * tile of an already packed block of the left operand passes over it, and writes (or adds) each
 * 6 x 8 result straight into the row-major product, the partial tiles at the edges through a
 * small buffer.
 *
 * Two builds for the arithmetic (fused: relaxed SIMD's f32x4.relaxed_madd, one FMA instruction;
 * plain: a multiply and an add, for engines without relaxed SIMD) and two for the memory (the
 * kernel imports tfjs-wasm's heap, which is shared in its threaded build).
 */

import { GEMM_PANEL_COLUMNS, GEMM_TILE_ROWS } from '../../src/core/matrix/gemm.ts';
import type { KernelBuild } from './dotProductsWat.ts';
import { REGISTER_TILE_COLUMNS, REGISTER_TILE_ROWS, registerTile } from './registerTileWat.ts';

export function gemmWat({ fused, shared }: KernelBuild): string {
  if (GEMM_PANEL_COLUMNS !== REGISTER_TILE_COLUMNS || GEMM_TILE_ROWS !== REGISTER_TILE_ROWS)
    throw new Error(`the kernel text is written for ${REGISTER_TILE_ROWS} x ${REGISTER_TILE_COLUMNS} tiles`);
  const { accumulators, locals, depthLoop } = registerTile(fused);
  const tileBytes = 4 * GEMM_TILE_ROWS;
  /** Row r of a whole tile: added to what the product holds when $accumulate, then stored. */
  const storeRow = (r: number) => `
      (if (local.get $accumulate)
        (then
          (local.set $c${r}_0 (f32x4.add (local.get $c${r}_0) (v128.load (local.get $cp))))
          (local.set $c${r}_1 (f32x4.add (local.get $c${r}_1) (v128.load offset=16 (local.get $cp))))))
      (v128.store (local.get $cp) (local.get $c${r}_0))
      (v128.store offset=16 (local.get $cp) (local.get $c${r}_1))
      (local.set $cp (i32.add (local.get $cp) (local.get $ldcBytes)))`;
  /** A group of `group` contiguous values (rowStride 1) copied with vector moves. */
  const contiguousCopy = (group: number) =>
    group === 8
      ? `(v128.store (local.get $q) (v128.load (local.get $s)))
            (v128.store offset=16 (local.get $q) (v128.load offset=16 (local.get $s)))`
      : `(v128.store (local.get $q) (v128.load (local.get $s)))
            (i64.store offset=16 (local.get $q) (i64.load offset=16 (local.get $s)))`;
  return `(module
  (import "env" "memory" (memory 1${shared ? ' 65536 shared' : ''}))

  ;; Rows of a strided view packed for the micro-kernel: element (r, p) of the view is the float32
  ;; at $src + 4 (r $rowStride + p $depthStride); it goes to $dst as [rows/group][depth][group],
  ;; rows past $rows as zeros. Where a group's rows are contiguous (rowStride 1) and whole, each
  ;; depth step is one vector copy.
  (func $pack (export "pack") (param $src i32) (param $rowStride i32) (param $depthStride i32) (param $rows i32)
    (param $depth i32) (param $group i32) (param $dst i32)
    (local $g i32) (local $r i32) (local $p i32) (local $s i32) (local $q i32) (local $rowBytes i32) (local $depthBytes i32) (local $groupBytes i32)
    (local.set $rowBytes (i32.shl (local.get $rowStride) (i32.const 2)))
    (local.set $depthBytes (i32.shl (local.get $depthStride) (i32.const 2)))
    (local.set $groupBytes (i32.shl (local.get $group) (i32.const 2)))
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $depth))) (then (return)))
    (loop $groups
      (if (i32.and
            (i32.and (i32.eq (local.get $rowStride) (i32.const 1)) (i32.le_u (i32.add (local.get $g) (local.get $group)) (local.get $rows)))
            (i32.or (i32.eq (local.get $group) (i32.const 8)) (i32.eq (local.get $group) (i32.const 6))))
        (then
          (local.set $s (i32.add (local.get $src) (i32.mul (local.get $g) (local.get $rowBytes))))
          (local.set $q (local.get $dst))
          (local.set $p (i32.const 0))
          (if (i32.eq (local.get $group) (i32.const 8))
            (then
              (loop $copy8
                ${contiguousCopy(8)}
                (local.set $s (i32.add (local.get $s) (local.get $depthBytes)))
                (local.set $q (i32.add (local.get $q) (i32.const 32)))
                (br_if $copy8 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $depth)))))
            (else
              (loop $copy6
                ${contiguousCopy(6)}
                (local.set $s (i32.add (local.get $s) (local.get $depthBytes)))
                (local.set $q (i32.add (local.get $q) (i32.const 24)))
                (br_if $copy6 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $depth)))))))
        (else
          (local.set $r (i32.const 0))
          (loop $rowLoop
            (local.set $q (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
            (local.set $p (i32.const 0))
            (if (i32.lt_u (i32.add (local.get $g) (local.get $r)) (local.get $rows))
              (then
                (local.set $s (i32.add (local.get $src) (i32.mul (i32.add (local.get $g) (local.get $r)) (local.get $rowBytes))))
                (loop $values
                  (f32.store (local.get $q) (f32.load (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (local.get $depthBytes)))
                  (local.set $q (i32.add (local.get $q) (local.get $groupBytes)))
                  (br_if $values (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $depth)))))
              (else
                (loop $zeros
                  (f32.store (local.get $q) (f32.const 0))
                  (local.set $q (i32.add (local.get $q) (local.get $groupBytes)))
                  (br_if $zeros (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $depth))))))
            (br_if $rowLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $group))))))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $depth) (local.get $groupBytes))))
      (br_if $groups (i32.lt_u (local.tee $g (i32.add (local.get $g) (local.get $group))) (local.get $rows)))))

  ;; One packed tile ($ap, [steps][6]) times one packed panel ($bp, [steps][8]), written to (or,
  ;; with $accumulate, added to) the row-major product at $cp, whose rows are $ldcBytes apart:
  ;; $rows x $cols of the 6 x 8 results (fewer at the product's edges, through $edge).
  (func $tile (param $ap i32) (param $bp i32) (param $steps i32) (param $cp i32) (param $ldcBytes i32) (param $rows i32)
    (param $cols i32) (param $accumulate i32) (param $edge i32)
    ${locals}
    (local $r i32) (local $col i32) (local $at i32) (local $value f32)
    ${depthLoop}
    (if (i32.and (i32.eq (local.get $rows) (i32.const ${GEMM_TILE_ROWS})) (i32.eq (local.get $cols) (i32.const ${GEMM_PANEL_COLUMNS})))
      (then
        ${Array.from({ length: GEMM_TILE_ROWS }, (_, r) => storeRow(r)).join('')}
        (return)))
    ;; An edge tile: all 48 results to $edge ([6][8]), then the ones inside the product.
    ${accumulators.map((acc, k) => `(v128.store offset=${16 * k} (local.get $edge) (local.get ${acc}))`).join('\n    ')}
    (loop $edgeRows
      (local.set $col (i32.const 0))
      (loop $edgeCols
        (local.set $at (i32.add (i32.add (local.get $cp) (i32.mul (local.get $r) (local.get $ldcBytes))) (i32.shl (local.get $col) (i32.const 2))))
        (local.set $value (f32.load (i32.add (local.get $edge) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $col)) (i32.const 2)))))
        (if (local.get $accumulate) (then (local.set $value (f32.add (local.get $value) (f32.load (local.get $at))))))
        (f32.store (local.get $at) (local.get $value))
        (br_if $edgeCols (i32.lt_u (local.tee $col (i32.add (local.get $col) (i32.const 1))) (local.get $cols))))
      (br_if $edgeRows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; A block of the product: $tiles packed tiles at $a ([tiles][kc][6], $rows rows in all) times
  ;; the right operand's $n rows (element (j, p) at $b + 4 (j $bRowStride + p $bDepthStride)),
  ;; over $kc depth steps, into the row-major product at $c (row stride $ldc floats). Each panel
  ;; of 8 right rows is packed into $panel ([kc][8]) and met by every tile while it is in L1.
  (func (export "block") (param $a i32) (param $tiles i32) (param $rows i32) (param $b i32) (param $bRowStride i32)
    (param $bDepthStride i32) (param $n i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $accumulate i32)
    (param $panel i32) (param $edge i32)
    (local $j i32) (local $t i32) (local $cols i32) (local $tileRows i32) (local $ldcBytes i32)
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.or (i32.or (i32.eqz (local.get $tiles)) (i32.eqz (local.get $n))) (i32.eqz (local.get $kc))) (then (return)))
    (loop $panels
      (local.set $cols (i32.sub (local.get $n) (local.get $j)))
      (if (i32.gt_u (local.get $cols) (i32.const ${GEMM_PANEL_COLUMNS})) (then (local.set $cols (i32.const ${GEMM_PANEL_COLUMNS}))))
      (call $pack
        (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $bRowStride)) (i32.const 2)))
        (local.get $bRowStride) (local.get $bDepthStride) (local.get $cols) (local.get $kc) (i32.const ${GEMM_PANEL_COLUMNS}) (local.get $panel))
      (local.set $t (i32.const 0))
      (loop $tileLoop
        (local.set $tileRows (i32.sub (local.get $rows) (i32.mul (local.get $t) (i32.const ${GEMM_TILE_ROWS}))))
        (if (i32.gt_u (local.get $tileRows) (i32.const ${GEMM_TILE_ROWS})) (then (local.set $tileRows (i32.const ${GEMM_TILE_ROWS}))))
        (call $tile
          (i32.add (local.get $a) (i32.mul (i32.mul (local.get $t) (local.get $kc)) (i32.const ${tileBytes})))
          (local.get $panel)
          (local.get $kc)
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.mul (local.get $t) (i32.const ${GEMM_TILE_ROWS})) (local.get $ldc)) (local.get $j)) (i32.const 2)))
          (local.get $ldcBytes) (local.get $tileRows) (local.get $cols) (local.get $accumulate) (local.get $edge))
        (br_if $tileLoop (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $tiles))))
      (br_if $panels (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const ${GEMM_PANEL_COLUMNS}))) (local.get $n)))))
)
`;
}
