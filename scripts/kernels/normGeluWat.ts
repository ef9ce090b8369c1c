/**
 * The WebAssembly text of the fused hidden-layer kernel behind src/ml/normGelu.ts: bias, LayerNorm,
 * GELU and dropout of one row of a reconstructor's hidden layer in three SIMD passes forward and
 * two backward, where tfjs runs some twenty ops forward and forty backward, each a pass over the
 * activations plus its dispatch (at the default pack's size that dispatch, not the arithmetic,
 * was most of a training step). scripts/kernels/build.ts assembles it into src/ml/normGeluWasm.ts.
 *
 * The arithmetic is the layer's definition (docs/method.md; tfjs's ops in reconstructorModel.ts):
 * x = z + b; mean and variance over the row; x̂ = (x - mean) / sqrt(variance + 1e-5);
 * n = x̂ g + c; GELU(n) = n/2 (1 + erf(n/√2)); dropout multiplies by floor(u + keep) / keep, as
 * tf.dropout does, for a uniform u the kernel draws itself from the value's index and the step's
 * seed (a counter-based hash, ml/normGelu.ts dropoutMultipliers: drawing 300,000 values a step
 * with tf.randomUniform's JavaScript generator took 3-4 ms of an 18 ms step). erf is Abramowitz and Stegun's 7.1.26 (absolute error
 * 1.5e-7, the formula tfjs's cpu backend uses), its exp(-y²) a Cody-Waite range reduction and a
 * degree-6 polynomial; the derivative reuses that exponential: GELU'(n) = (1 + erf(n/√2))/2 +
 * n exp(-n²/2) / √(2π). Rows are sums of 4-lane partial sums: the same values as tfjs's to
 * float32 rounding, not to the bit (tests/ml/normGelu.test.ts).
 */

/** Two builds: for tfjs-wasm's unshared heap and for its threaded build's shared one. */
export function normGeluWat({ shared }: { readonly shared: boolean }): string {
  const f = (x: number) => `(f32x4.splat (f32.const ${x}))`;
  const get = (name: string) => `(local.get $${name})`;
  const set = (name: string, value: string) => `(local.set $${name} ${value})`;
  const add = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
  const sub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;
  const mul = (a: string, b: string) => `(f32x4.mul ${a} ${b})`;
  const load = (base: string) => `(v128.load (i32.add ${get(base)} ${get('j')}))`;
  const store = (base: string, value: string) => `(v128.store (i32.add ${get(base)} ${get('j')}) ${value})`;
  const horizontal = (v: string) =>
    `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
  /**
   * From $n: $erfPlus = 1 + erf(n/√2) and $gauss = exp(-n²/2), through $y, $t, $poly, $ex, $ek, $er.
   */
  const erfOfN = [
    set('y', mul(get('n'), f(Math.SQRT1_2))),
    set('t', `(f32x4.div ${f(1)} ${add(f(1), mul(f(0.3275911), `(f32x4.abs ${get('y')})`))})`),
    set('poly', f(1.061405429)),
    ...[-1.453152027, 1.421413741, -0.284496736, 0.254829592].map((a) => set('poly', add(mul(get('poly'), get('t')), f(a)))),
    set('poly', mul(get('poly'), get('t'))),
    // exp(x) for x = -y² <= 0: x = k ln2 + r, |r| <= ln2/2; 2^k from the exponent bits.
    set('ex', `(f32x4.max ${sub(f(0), mul(get('y'), get('y')))} ${f(-87)})`),
    set('ek', `(f32x4.nearest ${mul(get('ex'), f(Math.LOG2E))})`),
    set('er', sub(sub(get('ex'), mul(get('ek'), f(0.693359375))), mul(get('ek'), f(-2.1219444e-4)))),
    set('gauss', f(1 / 720)),
    ...[1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1].map((c) => set('gauss', add(mul(get('gauss'), get('er')), f(c)))),
    set('gauss', mul(get('gauss'), `(i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s ${get('ek')}) (i32x4.splat (i32.const 127))) (i32.const 23))`)),
    // erf(|y|) = 1 - poly exp(-y²), with y's sign.
    set('erfAbs', sub(f(1), mul(get('poly'), get('gauss')))),
    set('erfPlus', add(f(1), `(v128.bitselect (f32x4.neg ${get('erfAbs')}) ${get('erfAbs')} (f32x4.lt ${get('y')} ${f(0)}))`)),
  ].join('\n          ');
  /** lowbias32 of each lane of `v` (a local), in place. */
  const hashLanes = (v: string) =>
    [
      set(v, `(v128.xor ${get(v)} (i32x4.shr_u ${get(v)} (i32.const 16)))`),
      set(v, `(i32x4.mul ${get(v)} (i32x4.splat (i32.const 0x7feb352d)))`),
      set(v, `(v128.xor ${get(v)} (i32x4.shr_u ${get(v)} (i32.const 15)))`),
      set(v, `(i32x4.mul ${get(v)} (i32x4.splat (i32.const 0x846ca68b)))`),
      set(v, `(v128.xor ${get(v)} (i32x4.shr_u ${get(v)} (i32.const 16)))`),
    ].join(' ');
  /**
   * $mask = floor(u + keep) / keep (tf.dropout's multiplier) for u = hash(hash(i) + seedMix) / 2^32
   * to 24 bits, i the value's index in the matrix ($index, advanced by 4).
   */
  const mask = [
    set('bits', '(i32x4.add (i32x4.splat (local.get $index)) (v128.const i32x4 0 1 2 3))'),
    hashLanes('bits'),
    set('bits', '(i32x4.add (local.get $bits) (i32x4.splat (local.get $seedMix)))'),
    hashLanes('bits'),
    set('mask', `(f32x4.mul (f32x4.convert_i32x4_u (i32x4.shr_u ${get('bits')} (i32.const 8))) ${f(2 ** -24)})`),
    set('mask', `(f32x4.div (f32x4.floor ${add(get('mask'), get('keep4'))}) ${get('keep4')})`),
  ].join(' ');
  const vectors = [
    'x',
    'acc',
    'acc2',
    'mean4',
    'sigma4',
    'xh',
    'n',
    'y',
    't',
    'poly',
    'ex',
    'ek',
    'er',
    'gauss',
    'erfAbs',
    'erfPlus',
    'mask',
    'bits',
    'keep4',
    'dn',
    'dxh',

    'm1',
    'm2',
  ];
  const locals = `${vectors.map((v) => `(local $${v} v128)`).join(' ')} (local $j i32) (local $r i32) (local $index i32) (local $rowBytes i32) (local $mean f32) (local $sigma f32) (local $count f32)`;
  /** A loop over the row's bytes ($j += 16) around `body`. */
  const overRow = (label: string, body: string) => `(local.set $j (i32.const 0))
        (loop $${label}
          ${body}
          (br_if $${label} (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $rowBytes))))`;
  /** The per-row pointers move on by a row (and the row's scalar by 4 bytes). */
  const nextRow = (pointers: readonly string[], scalar: string) =>
    `${pointers.map((p) => set(p, `(i32.add ${get(p)} ${get('rowBytes')})`)).join('\n        ')}
        ${set(scalar, `(i32.add ${get(scalar)} (i32.const 4))`)}`;
  return `(module
  (import "env" "memory" (memory 1${shared ? ' 65536 shared' : ''}))

  ;; Forward over $rows rows of $d values ($d a multiple of 4; byte pointers): $h = dropout(GELU(
  ;; LayerNorm($z + $bias))), keeping x̂ at $xhat and each row's sqrt(variance + 1e-5) at $sigma
  ;; for the backward pass. With $dropout, keep = 1 - rate and the noise's seed mixed by ml/normGelu.ts.
  (func (export "forward") (param $z i32) (param $bias i32) (param $gain i32) (param $shift i32) (param $seedMix i32)
    (param $dropout i32) (param $keep f32) (param $rows i32) (param $d i32) (param $h i32) (param $xhat i32) (param $sigmas i32)
    ${locals}
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $d))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $count (f32.convert_i32_u (local.get $d)))
    ${set('keep4', '(f32x4.splat (local.get $keep))')}
    (loop $rowsLoop
      ${set('acc', f(0))}
      ${overRow('sumPass', set('acc', add(get('acc'), add(load('z'), load('bias')))))}
      (local.set $mean (f32.div ${horizontal(get('acc'))} (local.get $count)))
      ${set('mean4', '(f32x4.splat (local.get $mean))')}
      ${set('acc2', f(0))}
      ${overRow('varPass', [set('x', sub(add(load('z'), load('bias')), get('mean4'))), set('acc2', add(get('acc2'), mul(get('x'), get('x'))))].join('\n          '))}
      (local.set $sigma (f32.sqrt (f32.add (f32.div ${horizontal(get('acc2'))} (local.get $count)) (f32.const 1e-5))))
      (f32.store (local.get $sigmas) (local.get $sigma))
      ${set('sigma4', '(f32x4.splat (local.get $sigma))')}
      ${overRow(
        'outPass',
        [
          set('xh', `(f32x4.div ${sub(add(load('z'), load('bias')), get('mean4'))} ${get('sigma4')})`),
          store('xhat', get('xh')),
          set('n', add(mul(get('xh'), load('gain')), load('shift'))),
          erfOfN,
          set('x', mul(mul(get('n'), f(0.5)), get('erfPlus'))),
          `(if (local.get $dropout) (then ${mask} ${set('x', mul(get('x'), get('mask')))}))`,
          store('h', get('x')),
          '(local.set $index (i32.add (local.get $index) (i32.const 4)))',
        ].join('\n          '),
      )}
      ${nextRow(['z', 'h', 'xhat'], 'sigmas')}
      (br_if $rowsLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; Backward: from $dh (the gradient at $h) and what forward kept, the gradient at $z into $dz
  ;; and the parameters' gradients, summed over the rows, into $dgain, $dshift and $dbias
  ;; (overwritten). $dz may not overlap $dh.
  (func (export "backward") (param $dh i32) (param $xhat i32) (param $sigmas i32) (param $gain i32) (param $shift i32) (param $seedMix i32)
    (param $dropout i32) (param $keep f32) (param $rows i32) (param $d i32) (param $dz i32) (param $dgain i32) (param $dshift i32) (param $dbias i32)
    ${locals}
    (if (i32.eqz (local.get $d)) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $count (f32.convert_i32_u (local.get $d)))
    ${set('keep4', '(f32x4.splat (local.get $keep))')}
    ${overRow('zeroPass', [store('dgain', f(0)), store('dshift', f(0)), store('dbias', f(0))].join('\n          '))}
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $rowsLoop
      ${set('acc', f(0))}
      ${set('acc2', f(0))}
      ${overRow(
        'gradPass',
        [
          set('xh', load('xhat')),
          set('n', add(mul(get('xh'), load('gain')), load('shift'))),
          erfOfN,
          // dn = dh (mask) GELU'(n), kept at $dz for the second pass.
          set('dn', load('dh')),
          `(if (local.get $dropout) (then ${mask} ${set('dn', mul(get('dn'), get('mask')))}))`,
          '(local.set $index (i32.add (local.get $index) (i32.const 4)))',
          set('dn', mul(get('dn'), add(mul(get('erfPlus'), f(0.5)), mul(mul(get('n'), get('gauss')), f(1 / Math.sqrt(2 * Math.PI)))))),
          store('dz', get('dn')),
          store('dgain', add(load('dgain'), mul(get('dn'), get('xh')))),
          store('dshift', add(load('dshift'), get('dn'))),
          set('dxh', mul(get('dn'), load('gain'))),
          set('acc', add(get('acc'), get('dxh'))),
          set('acc2', add(get('acc2'), mul(get('dxh'), get('xh')))),
        ].join('\n          '),
      )}
      ${set('m1', `(f32x4.splat (f32.div ${horizontal(get('acc'))} (local.get $count)))`)}
      ${set('m2', `(f32x4.splat (f32.div ${horizontal(get('acc2'))} (local.get $count)))`)}
      ${set('sigma4', '(f32x4.splat (f32.load (local.get $sigmas)))')}
      ${overRow(
        'inputPass',
        [
          set('dxh', mul(load('dz'), load('gain'))),
          set('x', `(f32x4.div ${sub(sub(get('dxh'), get('m1')), mul(load('xhat'), get('m2')))} ${get('sigma4')})`),
          store('dz', get('x')),
          store('dbias', add(load('dbias'), get('x'))),
        ].join('\n          '),
      )}
      ${nextRow(['dh', 'xhat', 'dz'], 'sigmas')}
      (br_if $rowsLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))
)
`;
}
