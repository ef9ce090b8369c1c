/**
 * The register tile both matrix kernels are built on (dotProductsWat.ts for the neighbour search,
 * gemmWat.ts for training): 6 rows of a packed tile ([steps][6] at $ap) times 8 columns of a packed
 * panel ([steps][8] at $bp), summed over $steps depth steps into 12 accumulators of 4 lanes that
 * stay in registers. One step loads the panel's 8 values (two vectors), broadcasts each of the
 * tile's 6 and does 12 multiply-adds; two steps run per pass (fewer pointer updates and branches),
 * then the odd one. `fused` uses relaxed SIMD's f32x4.relaxed_madd (one FMA instruction), else a
 * separate multiply and add.
 */

export const REGISTER_TILE_ROWS = 6;
export const REGISTER_TILE_COLUMNS = 8;

export interface RegisterTile {
  /** The accumulators' names ($c<row>_<half>), row by row. */
  readonly accumulators: readonly string[];
  /** The locals the loop uses: $a, $b0, $b1 and the accumulators. */
  readonly locals: string;
  /** The depth loop: advances $ap and $bp and counts $steps down (its caller's params). */
  readonly depthLoop: string;
}

export function registerTile(fused: boolean): RegisterTile {
  const accumulators: string[] = [];
  for (let r = 0; r < REGISTER_TILE_ROWS; r++) for (let c = 0; c < 2; c++) accumulators.push(`$c${r}_${c}`);
  const multiplyAdd = (acc: string, b: string) =>
    fused
      ? `(local.set ${acc} (f32x4.relaxed_madd (local.get $a) (local.get ${b}) (local.get ${acc})))`
      : `(local.set ${acc} (f32x4.add (f32x4.mul (local.get $a) (local.get ${b})) (local.get ${acc})))`;
  const tileBytes = 4 * REGISTER_TILE_ROWS;
  const panelBytes = 4 * REGISTER_TILE_COLUMNS;
  /** One depth step, `s` steps past the pointers. */
  const step = (s: number) => {
    const lines = [
      `(local.set $b0 (v128.load offset=${s * panelBytes} (local.get $bp)))`,
      `(local.set $b1 (v128.load offset=${s * panelBytes + 16} (local.get $bp)))`,
    ];
    for (let r = 0; r < REGISTER_TILE_ROWS; r++) {
      lines.push(`(local.set $a (v128.load32_splat offset=${s * tileBytes + 4 * r} (local.get $ap)))`);
      lines.push(multiplyAdd(`$c${r}_0`, '$b0'), multiplyAdd(`$c${r}_1`, '$b1'));
    }
    return lines.join('\n        ');
  };
  return {
    accumulators,
    locals: `(local $a v128) (local $b0 v128) (local $b1 v128) ${accumulators.map((acc) => `(local ${acc} v128)`).join(' ')}`,
    depthLoop: `(block $pairsDone
      (br_if $pairsDone (i32.lt_u (local.get $steps) (i32.const 2)))
      (loop $pairs
        ${step(0)}
        ${step(1)}
        (local.set $ap (i32.add (local.get $ap) (i32.const ${2 * tileBytes})))
        (local.set $bp (i32.add (local.get $bp) (i32.const ${2 * panelBytes})))
        (br_if $pairs (i32.ge_u (local.tee $steps (i32.sub (local.get $steps) (i32.const 2))) (i32.const 2)))))
    (if (local.get $steps)
      (then
        ${step(0)}))`,
  };
}

/**
 * The neighbour search's `$tile` function (dotProductsWat.ts): one packed tile times one packed
 * panel over `$steps` depth steps, added to the 6 x 8 products at $cp, or written there when
 * $fresh (the first chunk). The bench's ceiling figure (scripts/bench/tilePeak.ts) times this same
 * function.
 */
export function tileFunction(fused: boolean): string {
  const { accumulators, locals, depthLoop } = registerTile(fused);
  return `(func $tile (param $ap i32) (param $bp i32) (param $steps i32) (param $cp i32) (param $fresh i32)
    ${locals}
    (if (i32.eqz (local.get $fresh))
      (then
        ${accumulators.map((acc, k) => `(local.set ${acc} (v128.load offset=${16 * k} (local.get $cp)))`).join('\n        ')}))
    ${depthLoop}
    ${accumulators.map((acc, k) => `(v128.store offset=${16 * k} (local.get $cp) (local.get ${acc}))`).join('\n    ')})`;
}
