/**
 * Sets the step size of a tf.train.adam optimizer, for tests that use tfjs's Adam as the reference
 * for the app's own optimiser (ml/leanAdam.ts) with a learning rate that changes between steps.
 * tfjs has no public setter, but AdamOptimizer reads its `learningRate` field on every
 * applyGradients (tests/ml/trainReconstructor.test.ts checks this: lr 0 leaves the weights
 * unchanged, and a first Adam step moves each weight by about lr).
 */
import type * as tf from '@tensorflow/tfjs';

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
