/**
 * The WebAssembly text of the AdamW step behind src/ml/adamStep.ts: one pass over a chunk of a
 * variable that does what tf.train.adam's ops and the decoupled weight decay do one op at a time,
 * four values a step in SIMD. WebAssembly's f32x4 add, mul, div and sqrt round as IEEE float32
 * does, exactly as tfjs's float32 ops do, so every value is the op-by-op one to the bit (the same
 * expression in JavaScript, rounded by Math.fround, runs about ten times slower: it cannot use
 * SIMD). scripts/kernels/build.ts assembles it into src/ml/adamStepWasm.ts.
 */

/** The constants of a step, in the order the export takes them after its pointers and count. */
export const ADAM_CONSTANTS = ['beta1', 'beta2', 'gain1', 'gain2', 'unbias1', 'unbias2', 'epsilon', 'negativeLr', 'shrink'] as const;

export function adamStepWat(): string {
  const splat = (name: string) => `(local.set $${name}4 (f32x4.splat (local.get $${name})))`;
  // The update of one lane group (v) or one value (f32); the same expression at both widths.
  const update = (t: 'f32x4' | 'f32', load: string, store: string, k: (name: string) => string) => `
        (local.set $g${t === 'f32' ? '1' : ''} (${load} (i32.add (local.get $gp) (local.get $i))))
        ;; m = m * beta1 + g * (1 - beta1); v = v * beta2 + g^2 * (1 - beta2)
        (local.set $m${t === 'f32' ? '1' : ''} (${t}.add (${t}.mul (${load} (i32.add (local.get $mp) (local.get $i))) ${k('beta1')})
                                (${t}.mul (local.get $g${t === 'f32' ? '1' : ''}) ${k('gain1')})))
        (local.set $v${t === 'f32' ? '1' : ''} (${t}.add (${t}.mul (${load} (i32.add (local.get $vp) (local.get $i))) ${k('beta2')})
                                (${t}.mul (${t}.mul (local.get $g${t === 'f32' ? '1' : ''}) (local.get $g${t === 'f32' ? '1' : ''})) ${k('gain2')})))
        (${store} (i32.add (local.get $mp) (local.get $i)) (local.get $m${t === 'f32' ? '1' : ''}))
        (${store} (i32.add (local.get $vp) (local.get $i)) (local.get $v${t === 'f32' ? '1' : ''}))
        ;; w = ((m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon) * -lr + w) * shrink
        (${store} (i32.add (local.get $wp) (local.get $i))
          (${t}.mul
            (${t}.add
              (${t}.mul
                (${t}.div
                  (${t}.div (local.get $m${t === 'f32' ? '1' : ''}) ${k('unbias1')})
                  (${t}.add (${t}.sqrt (${t}.div (local.get $v${t === 'f32' ? '1' : ''}) ${k('unbias2')})) ${k('epsilon')}))
                ${k('negativeLr')})
              (${load} (i32.add (local.get $wp) (local.get $i))))
            ${k('shrink')}))`;
  const names = ADAM_CONSTANTS;
  return `(module
  (import "env" "memory" (memory 1))
  ;; One AdamW step over $n float32 values: the gradient at $gp (read), the weights at $wp (read,
  ;; then overwritten with the moved ones), the moments at $mp and $vp (updated). Byte pointers.
  (func (export "adamStep") (param $gp i32) (param $wp i32) (param $mp i32) (param $vp i32) (param $n i32)
      ${names.map((name) => `(param $${name} f32)`).join(' ')}
    (local $i i32) (local $vectorBytes i32) (local $bytes i32)
    (local $g v128) (local $m v128) (local $v v128) (local $g1 f32) (local $m1 f32) (local $v1 f32)
    ${names.map((name) => `(local $${name}4 v128)`).join(' ')}
    ${names.map(splat).join('\n    ')}
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $i) (local.get $vectorBytes)))${update('f32x4', 'v128.load', 'v128.store', (name) => `(local.get $${name}4)`)}
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    ;; The last n mod 4 values, one at a time.
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))${update('f32', 'f32.load', 'f32.store', (name) => `(local.get $${name})`)}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rest)))))
`;
}
