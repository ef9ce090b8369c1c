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
 * arranged so the large weight is the left operand and only activations are transposed.
 *
 * The values are the same products, summed by XNNPACK in its own order: equal to tf.matMul's to
 * float32 rounding (tests/ml/denseMatMul.test.ts checks values and gradients against it).
 */
import * as tf from '@tensorflow/tfjs';

type Linear = (x: tf.Tensor2D, weight: tf.Tensor2D) => tf.Tensor2D;

function makeLinear(inputGradient: boolean): Linear {
  return tf.customGrad((x, w, save) => {
    const input = x as tf.Tensor2D;
    const weight = w as tf.Tensor2D;
    save([input, weight]);
    return {
      // x [m, in] w^T = (w [out, in] x^T [in, m])^T
      value: tf.transpose(tf.matMul(weight, tf.transpose(input))),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        // dw [out, in] = dy^T x; dx [m, in] = dy w (w packed, but only where dx is wanted).
        const dw = tf.matMul(tf.transpose(g), xs);
        const dx = inputGradient ? tf.matMul(g, ws) : tf.zerosLike(xs);
        return [dx, dw];
      },
    };
  }) as Linear;
}

/** x [m, in] times weight [out, in] transposed: torch.nn.Linear's product, without the bias. */
export const linear: Linear = makeLinear(true);

/**
 * The same for a layer whose input is data, not computed from parameters: its input gradient would
 * be thrown away, so it is not computed (zeros stand in; for the first layer at LLaVA widths that
 * skips the largest product of the step).
 */
export const linearOnData: Linear = makeLinear(false);

/** x [m, k] times w [k, n] with a gradient that never uses a transposed product (for small w). */
export const matMulTrainable: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D = tf.customGrad((x, w, save) => {
  const a = x as tf.Tensor2D;
  const b = w as tf.Tensor2D;
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // dx = dy w^T = (w dy^T)^T; dw = x^T dy.
      return [tf.transpose(tf.matMul(ws, tf.transpose(g))), tf.matMul(tf.transpose(xs), g)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
