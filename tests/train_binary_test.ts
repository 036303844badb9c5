import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { trainBinary } from "../lib/train/train_binary.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";
import "../lib/kernels/conv2d_backprop_filter_wasm.ts";

/** An easy, separable task: bright images are class A. */
function easyData(count: number): { images: tf.Tensor4D; targets: tf.Tensor1D } {
  return tf.tidy(() => {
    const targets = tf.cast(tf.less(tf.randomUniform([count], 0, 1, "float32", 5), 0.2), "float32");
    const base = tf.randomUniform([count, 28, 28, 1], 0, 0.1, "float32", 6);
    const images = tf.add(base, tf.mul(targets.reshape([count, 1, 1, 1]), 0.9)) as tf.Tensor4D;
    return { images, targets: targets as tf.Tensor1D };
  });
}

async function train(stabilization: Stabilization, gamma: number, epochs: number) {
  const { images, targets } = easyData(64);
  const model = createBinaryCnn({ size: 28, channels: 1 }, 11);
  const result = await trainBinary(model, images, targets, {
    epochs,
    seed: 3,
    learningRate: 1e-2,
    loss: (logits, y) =>
      sigmoidFocalLoss(logits, y, {
        gamma,
        alpha: 0.5,
        stabilization,
        reduction: "mean",
      }) as tf.Scalar,
  });
  model.dispose();
  tf.dispose([images, targets]);
  return result;
}

Deno.test(
  name("training an easy task: 'none' at γ = 0.3 stops at NaN, 'exact' completes"),
  async () => {
    const before = tf.memory().numTensors;
    const original = await train("none", 0.3, 40);
    assert.equal(original.status, "nan", JSON.stringify(original));
    assert.ok(original.nanEpoch !== null && original.nanStep !== null);
    assert.equal(original.completedEpochs, original.nanEpoch! - 1);
    const exact = await train("exact", 0.3, original.nanEpoch! + 2);
    assert.equal(exact.status, "completed");
    assert.ok(exact.epochLosses.every(Number.isFinite));
    assert.ok(exact.epochLosses.at(-1)! < exact.epochLosses[0], "the loss decreases");
    assert.equal(tf.memory().numTensors, before, "training leaked tensors");
  },
);

Deno.test(name("training is deterministic for a seed on a backend"), async () => {
  const a = await train("epsilon", 0.5, 2);
  const b = await train("epsilon", 0.5, 2);
  assert.deepEqual(a, b);
});
