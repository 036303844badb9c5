// An easy, separable task for the training tests: bright images are class A
// (20% of them). A large enough step saturates the CNN on it within a few
// epochs, so that the original loss meets its NaN.
import * as tf from "@tensorflow/tfjs";

/** `count` images [count, 28, 28, 1] and their binary targets [count]. */
export function easyData(count: number): { images: tf.Tensor4D; targets: tf.Tensor1D } {
  return tf.tidy(() => {
    const targets = tf.cast(tf.less(tf.randomUniform([count], 0, 1, "float32", 5), 0.2), "float32");
    const base = tf.randomUniform([count, 28, 28, 1], 0, 0.1, "float32", 6);
    const images = tf.add(base, tf.mul(targets.reshape([count, 1, 1, 1]), 0.9)) as tf.Tensor4D;
    return { images, targets: targets as tf.Tensor1D };
  });
}
