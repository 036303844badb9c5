// Typed wrappers of `tf.customGrad`, whose own signature takes
// `(...inputs: (Tensor | GradSaveFunc)[])` and so accepts no typed function.
import * as tf from "@tensorflow/tfjs";

/** A forward value and the function that maps its upstream gradient back. */
export interface WithGradient<G> {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => G;
}

/** An op of one tensor with an explicit gradient. */
export function customGrad1(
  f: (x: tf.Tensor, save: tf.GradSaveFunc) => WithGradient<tf.Tensor>,
): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (
    x: tf.Tensor,
  ) => tf.Tensor;
}
