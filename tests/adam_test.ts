import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKEND, name } from "./_backend.ts";
import { read } from "./_assert.ts";
import { createAdam } from "../lib/train/adam.ts";
import { ADAM_KERNEL } from "../lib/kernels/adam_wasm.ts";

/** Variables after `steps` updates by `optimizer`, and the optimizer's saved weights. */
async function train(
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

Deno.test(name("createAdam computes tf.train.adam's numbers, bit for bit"), async () => {
  const ours = await train(createAdam(1e-3), "ours", 40);
  const theirs = await train(tf.train.adam(1e-3), "tfjs", 40);
  // On wasm the update is our one kernel; elsewhere it is tfjs's own.
  assert.equal(ours.kernels.includes(ADAM_KERNEL), BACKEND === "wasm", ours.kernels.join());
  assert.deepEqual(ours.values, theirs.values);
  // The state (iterations, first and second moments) is saved the same way.
  assert.equal(ours.weights.length, 5);
  assert.deepEqual(ours.weights, theirs.weights);
});
