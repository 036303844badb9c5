import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { easyData } from "./_easy_task.ts";
import { name } from "./_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { tensorBatches, trainBinary } from "../lib/train/train_binary.ts";
import { epochOrder } from "../lib/train/epochs.ts";
import type { OptimizerConfig } from "../lib/train/optimizer.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";
import "../lib/kernels/gradients/conv2d_backprop_filter_wasm.ts";

const focal = (stabilization: Stabilization, gamma: number) => (logits: tf.Tensor, y: tf.Tensor) =>
  sigmoidFocalLoss(logits, y, { gamma, alpha: 0.5, stabilization, reduction: "mean" }) as tf.Scalar;

/** Adam at 1e-2 saturates this easy task within a few dozen steps. */
const FAST: OptimizerConfig = { optimizer: "adam", learningRate: 1e-2 };

async function train(
  stabilization: Stabilization,
  gamma: number,
  epochs: number,
  optimizer: OptimizerConfig = FAST,
) {
  const { images, targets } = easyData(64);
  const model = createBinaryCnn({ size: 28, channels: 1 }, 11);
  const result = await trainBinary(model, tensorBatches(images, targets), {
    epochs,
    seed: 3,
    optimizer,
    loss: focal(stabilization, gamma),
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

Deno.test(
  name("the default optimizer is the paper's: tf.train.momentum(1e-3, 0.9), step for step"),
  async () => {
    // 48 samples in batches of 32: a full batch and the kept partial one.
    const { images, targets } = easyData(48);
    const loss = focal("epsilon", 0.5);
    const model = createBinaryCnn({ size: 28, channels: 1 }, 5);
    const ours = await trainBinary(model, tensorBatches(images, targets), {
      epochs: 2,
      batchSize: 32,
      seed: 9,
      loss,
    });
    model.dispose();
    // The same epochs by hand: the same order, batches of 32 with the last
    // partial one kept, and tfjs's own momentum optimizer.
    const by = createBinaryCnn({ size: 28, channels: 1 }, 5);
    const optimizer = tf.train.momentum(1e-3, 0.9);
    const means: number[] = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      const order = epochOrder(48, 9, epoch);
      let sum = 0, steps = 0;
      for (let start = 0; start < 48; start += 32) {
        const idx = tf.tensor1d(order.subarray(start, start + 32), "int32");
        const x = tf.gather(images, idx);
        const y = tf.reshape(tf.gather(targets, idx), [-1, 1]);
        const value = optimizer.minimize(() => loss(by.forward(x), y), true, by.variables)!;
        sum += (await value.data())[0];
        steps++;
        tf.dispose([idx, x, y, value]);
      }
      means.push(sum / steps);
    }
    by.dispose();
    optimizer.dispose();
    tf.dispose([images, targets]);
    assert.equal(ours.status, "completed");
    assert.deepEqual(ours.epochLosses, means);
  },
);

Deno.test(
  name("nanTerms: asked at the NaN step with that step's logits, recorded in the outcome"),
  async () => {
    const before = tf.memory().numTensors;
    const { images, targets } = easyData(64);
    const model = createBinaryCnn({ size: 28, channels: 1 }, 11);
    const seen: { shape: number[]; finite: boolean }[] = [];
    const outcome = await trainBinary(model, tensorBatches(images, targets), {
      epochs: 40,
      seed: 3,
      optimizer: FAST,
      loss: focal("none", 0.3),
      nanTerms: async (logits, y) => {
        seen.push({
          shape: logits.shape,
          finite: (await logits.data()).every(Number.isFinite) && y.shape[0] === logits.shape[0],
        });
        return ["focal"];
      },
    });
    model.dispose();
    tf.dispose([images, targets]);
    assert.equal(outcome.status, "nan");
    assert.deepEqual(outcome.nanTerms, ["focal"]);
    // Once, at the NaN step, on the weights before it: finite logits, one per sample.
    assert.equal(seen.length, 1);
    assert.equal(seen[0].shape[1], 1);
    assert.ok(seen[0].finite);
    assert.equal(tf.memory().numTensors, before, "the diagnosis leaked tensors");
    const completed = await train("exact", 0.3, 1);
    assert.equal(completed.nanTerms, undefined);
  },
);

Deno.test(
  name("epochMetrics: each epoch's accuracy at logit > 0.5 and > 0, and its logit range"),
  async () => {
    // Learning rate 0: every step sees the same weights, so an epoch's
    // metrics are those of the whole set's logits, computed here by hand.
    const { images, targets } = easyData(48);
    const model = createBinaryCnn({ size: 28, channels: 1 }, 5);
    const outcome = await trainBinary(model, tensorBatches(images, targets), {
      epochs: 2,
      batchSize: 32,
      seed: 9,
      optimizer: { optimizer: "sgd", learningRate: 0, momentum: 0 },
      loss: focal("epsilon", 0.5),
      epochMetrics: true,
    });
    const logits = Array.from(await tf.tidy(() => model.forward(images)).data());
    const t = await targets.data();
    model.dispose();
    tf.dispose([images, targets]);
    const agree = (threshold: number) =>
      logits.reduce((n, l, i) => n + (Number(l > threshold) === t[i] ? 1 : 0), 0) / 48;
    const [min, max] = [Math.min(...logits), Math.max(...logits)];
    const m = outcome.epochMetrics!;
    assert.deepEqual(m.accuracyLogitOverHalf, [agree(0.5), agree(0.5)]);
    assert.deepEqual(m.accuracy, [agree(0), agree(0)]);
    for (const [ours, theirs] of [[m.logitMin, min], [m.logitMax, max]] as const) {
      assert.equal(ours.length, 2);
      for (const v of ours) assert.ok(Math.abs(v - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs)));
    }
    // Without the option, no metrics.
    assert.equal((await train("epsilon", 0.5, 1)).epochMetrics, undefined);
  },
);

Deno.test(
  name("saturationMetrics: per epoch, each target's extreme logit and the shares past ±17.33"),
  async () => {
    // The logits are the inputs (a weight of 1, learning rate 0), so the
    // metrics are known: background (t = 0) logits −40, −20, −10, 17.2;
    // foreground −17.5, 5, 18, 30. Float32 saturates past 25·ln 2 ≈ 17.33.
    const x = [-40, -20, -10, 17.2, -17.5, 5, 18, 30];
    const t = [0, 0, 0, 0, 1, 1, 1, 1];
    const w = tf.variable(tf.ones([1, 1]));
    const model = { variables: [w], forward: (images: tf.Tensor) => tf.matMul(images, w) };
    const inputs = tf.tensor2d(x, [8, 1]);
    const targets = tf.tensor1d(t);
    const outcome = await trainBinary(model, tensorBatches(inputs, targets), {
      epochs: 2,
      batchSize: 3,
      seed: 1,
      optimizer: { optimizer: "sgd", learningRate: 0, momentum: 0 },
      loss: focal("exact", 0.5),
      saturationMetrics: true,
    });
    tf.dispose([w, inputs, targets]);
    const m = outcome.epochMetrics!;
    assert.deepEqual(m.backgroundLogitMin, [-40, -40]);
    assert.deepEqual(m.foregroundLogitMax, [30, 30]);
    assert.deepEqual(m.backgroundSaturated, [0.5, 0.5], "−40 and −20 of 4");
    assert.deepEqual(m.foregroundSaturated, [0.5, 0.5], "18 and 30 of 4");
    assert.deepEqual(m.logitMin, [-40, -40], "the classification metrics come with them");
  },
);
