/**
 * Matrix products for training whose gradients keep tfjs-backend-wasm on its fast path.
 *
 * Measured on one core (tfjs 4.22, XNNPACK): an untransposed matMul(a, b) runs at about 30 GFLOP/s
 * when b, the operand XNNPACK packs, is the small one; when b is a large matrix that changed since
 * the last call (a weight after an optimiser step) the packing costs as much again; and any
 * transposed product (transposeA/transposeB, which tf.matMul's own gradient uses for dx = dy w^T
 * and dw = x^T dy) falls to a plain loop at about 2.5 GFLOP/s. tfjs's transpose of a large matrix
 * is slow too (about 0.2 s for 4096 x 4096), while transposing activations (tokens x features) is
 * cheap. So weights are kept as torch.nn.Linear keeps them, [out, in], and each product is
 * arranged so the large weight is the left operand and only activations are transposed; the one
 * product that needs the weight the other way round (the input gradient) transposes it with a
 * blocked loop of its own instead of tfjs's (timesWeight).
 *
 * Where tfjs-wasm computes on one thread and the engine has relaxed SIMD, every product here runs
 * on a kernel of our own instead (ml/heapGemm.ts: about 1.5x XNNPACK's rate in Chromium), which
 * reads either operand transposed at no cost, so none of the arrangements above is needed there.
 *
 * The values are the same products, summed by XNNPACK or the kernel in its own order: equal to
 * tf.matMul's to float32 rounding (tests/ml/denseMatMul.test.ts checks values and gradients
 * against it, on both paths).
 */
import * as tf from '@tensorflow/tfjs';
import { transposeInto } from '../core/matrix/transpose.ts';
import { heapGemm, heapProduct } from './heapGemm.ts';
import { activeWasmBackend, heapValues, unsetTensor } from './tfWasmHeap.ts';

/** A product of an input and a weight (any tensor the caller knows to be 2-D), with its own gradient. */
type Product = (x: tf.Tensor, weight: tf.Tensor) => tf.Tensor2D;

/** tf.customGrad for a two-operand product: `value` computes it, `gradients` gives [dx, dw] from dy and the operands. */
function customProduct(
  value: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D,
  gradients: (dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D) => [tf.Tensor, tf.Tensor],
): Product {
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    // save() keeps a copy of each tensor past the forward pass's tidy (a full copy on WASM: 10 ms
    // for a 4,096 x 4,096 weight). A variable outlives that tidy anyway, so it is not saved.
    const weight = w instanceof tf.Variable ? w : null;
    save(weight ? [x] : [x, w]);
    return {
      value: value(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => gradients(dy, saved[0] as tf.Tensor2D, (weight ?? saved[1]) as tf.Tensor2D),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Product;
}

/**
 * dy [m, out] w [out, in]. On tfjs-wasm as (w^T dy^T)^T, so that the weight is the left operand,
 * which XNNPACK streams, instead of the right one, which it packs again whenever the weight
 * changed (every step): w^T comes from a blocked transpose where tfjs keeps the tensors
 * (core/matrix/transpose.ts, a third of tfjs's Transpose). At LLaVA-1.5 widths (2,048 x 4,096)
 * 35 + 85 ms instead of about 200.
 */
function timesWeight(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const wasm = activeWasmBackend();
  if (!wasm) return tf.matMul(dy, w);
  const [rows, cols] = w.shape;
  const wT = unsetTensor(wasm, [cols, rows]) as tf.Tensor2D;
  // Views after the allocation (it may grow the heap), used before the next one.
  transposeInto(heapValues(wasm, w), rows, cols, heapValues(wasm, wT));
  return tf.transpose(tf.matMul(wT, tf.transpose(dy))) as tf.Tensor2D;
}

function makeLinear(inputGradient: boolean): Product {
  return customProduct(
    (x, w) => {
      const kernel = heapGemm();
      // x [m, in] w^T; for XNNPACK as (w [out, in] x^T [in, m])^T.
      return kernel ? heapProduct(kernel, x, 'rows', w, 'rows') : (tf.transpose(tf.matMul(w, tf.transpose(x))) as tf.Tensor2D);
    },
    (dy, x, w) => {
      const kernel = heapGemm();
      // dx [m, in] = dy w (only where dx is wanted); dw [out, in] = dy^T x.
      if (kernel) return [inputGradient ? heapProduct(kernel, dy, 'rows', w, 'columns') : tf.zerosLike(x), heapProduct(kernel, dy, 'columns', x, 'columns')];
      return [inputGradient ? timesWeight(dy, w) : tf.zerosLike(x), tf.matMul(tf.transpose(dy), x)];
    },
  );
}

/** x [m, in] times weight [out, in] transposed: torch.nn.Linear's product, without the bias. */
export const linear: Product = makeLinear(true);

/**
 * The same for a layer whose input is data, not computed from parameters: its input gradient would
 * be thrown away, so it is not computed (zeros stand in; for the first layer at LLaVA widths that
 * skips the largest product of the step).
 */
export const linearOnData: Product = makeLinear(false);

/** x [m, k] times w [k, n] with a gradient that never uses a transposed product (for small w). */
export const matMulTrainable: Product = customProduct(
  (x, w) => {
    const kernel = heapGemm();
    return kernel ? heapProduct(kernel, x, 'rows', w, 'columns') : tf.matMul(x, w);
  },
  (dy, x, w) => {
    const kernel = heapGemm();
    // dx [m, k] = dy w^T; dw [k, n] = x^T dy. For XNNPACK dx as (w dy^T)^T.
    if (kernel) return [heapProduct(kernel, dy, 'rows', w, 'rows'), heapProduct(kernel, x, 'columns', dy, 'columns')];
    return [tf.transpose(tf.matMul(w, tf.transpose(dy))), tf.matMul(tf.transpose(x), dy)];
  },
);
