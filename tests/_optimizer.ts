// Drives an optimizer through a fixed sequence of gradients, for the tests
// that compare our one-kernel updates with tfjs's own optimizers.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { read } from "./_assert.ts";

/**
 * Variables after `steps` updates by `optimizer`, its saved weights, and the
 * kernels the last update ran.
 */
export async function trainWith(
  optimizer: tf.Optimizer,
  tag: string,
  steps: number,
): Promise<{ values: Float32Array[]; weights: Float32Array[]; kernels: string[] }> {
  // 1,001 elements: the vector loop and its scalar tail; a [3, 5] kernel.
  const a = tf.variable(tf.randomNormal([1001], 0, 1, "float32", 1), true, `a-${tag}`);
  const b = tf.variable(tf.randomNormal([3, 5], 0, 1, "float32", 2), true, `b-${tag}`);
  let kernels: string[] = [];
  for (let s = 0; s < steps; s++) {
    // Gradients of very different scales, some exactly 0.
    const ga = tf.randomNormal([1001], 0, 10 ** (s % 5 - 2), "float32", 10 + s);
    const gb = tf.relu(tf.randomNormal([3, 5], 0, 1, "float32", 100 + s));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() =>
      optimizer.applyGradients({ [a.name]: ga, [b.name]: gb })
    );
    if (s > 0) assert.equal(tf.memory().numTensors, before, "an update leaked tensors");
    kernels = profile.kernelNames;
    tf.dispose([ga, gb]);
  }
  const values = [await read(a), await read(b)];
  const saved = await optimizer.getWeights();
  const weights = await Promise.all(saved.map((w) => read(w.tensor)));
  tf.dispose([a, b]);
  optimizer.dispose();
  return { values, weights, kernels };
}
