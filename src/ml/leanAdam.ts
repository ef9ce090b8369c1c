/**
 * Adam with tf.train.adam's arithmetic, op for op (so a run gives the same weights to the last bit),
 * but one variable at a time, each temporary freed as soon as it is used. tfjs's own optimizer
 * keeps every temporary of every variable until the whole step ends: about 13 tensors the size of
 * each matrix, which at LLaVA-1.5 width (a 4,096 x 4,096 first layer, 67 MB) is 870 MB of
 * WebAssembly heap, and that heap never shrinks. Here a step needs at most four such temporaries.
 * Hand-written for memory (tfjs has no lower-memory Adam); checked against tf.train.adam in
 * tests/ml/leanAdam.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

export class LeanAdam {
  private readonly moments = new Map<tf.Variable, { readonly m: tf.Variable; readonly v: tf.Variable }>();
  private readonly accBeta1: tf.Variable;
  private readonly accBeta2: tf.Variable;
  /** As tf.train.adam: the backend's epsilon when none is given. */
  private readonly epsilon: number;

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    epsilon: number | null = null,
  ) {
    this.accBeta1 = tf.tidy(() => tf.scalar(beta1).variable(false));
    this.accBeta2 = tf.tidy(() => tf.scalar(beta2).variable(false));
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  /** One step at learning rate `lr`: each variable moved by its gradient (same order as given). */
  apply(lr: number, pairs: readonly (readonly [tf.Variable, tf.Tensor])[]): void {
    const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
    try {
      for (const [value, gradient] of pairs) {
        let state = this.moments.get(value);
        if (!state) {
          state = { m: tf.tidy(() => tf.zerosLike(value).variable(false)), v: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          this.moments.set(value, state);
        }
        const { m, v } = state;
        // assign() takes the new tensor's data: the handle is let go, the values live on in m and v.
        const newM = tf.tidy(() => tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1)));
        m.assign(newM);
        newM.dispose();
        const newV = tf.tidy(() => tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2)));
        v.assign(newV);
        newV.dispose();
        const denominator = tf.tidy(() => tf.add(tf.sqrt(tf.div(v, oneMinusAccBeta2)), this.epsilon));
        const step = tf.tidy(() => tf.mul(tf.div(tf.div(m, oneMinusAccBeta1), denominator), -lr));
        denominator.dispose();
        const newValue = tf.add(step, value);
        step.dispose();
        value.assign(newValue);
        newValue.dispose();
      }
      tf.tidy(() => {
        this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
        this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
      });
    } finally {
      oneMinusAccBeta1.dispose();
      oneMinusAccBeta2.dispose();
    }
  }

  dispose(): void {
    this.accBeta1.dispose();
    this.accBeta2.dispose();
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}
