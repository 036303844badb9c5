import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { assertClose } from "./_assert.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { tensorBatches, trainBinary } from "../lib/train/train_binary.ts";
import { trainStacked } from "../lib/train/train_stacked.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";
import "../lib/kernels/gradients/conv2d_backprop_filter_wasm.ts";

const RUNS: { gamma: number; stabilization: Stabilization; seed: number }[] = [
  { gamma: 0.3, stabilization: "none", seed: 11 },
  { gamma: 0.3, stabilization: "exact", seed: 12 },
  { gamma: 2, stabilization: "none", seed: 13 },
];

const lossOf = (run: (typeof RUNS)[number]) => (logits: tf.Tensor, y: tf.Tensor) =>
  sigmoidFocalLoss(logits, y, {
    gamma: run.gamma,
    alpha: 0.5,
    stabilization: run.stabilization,
    reduction: "mean",
  }) as tf.Scalar;

Deno.test(
  name("stacked training equals one-run training: losses per epoch and the NaN step"),
  async () => {
    const { images, targets } = tf.tidy(() => {
      const t = tf.cast(tf.less(tf.randomUniform([64], 0, 1, "float32", 5), 0.2), "float32");
      const base = tf.randomUniform([64, 28, 28, 1], 0, 0.1, "float32", 6);
      return {
        images: tf.add(base, tf.mul(t.reshape([64, 1, 1, 1]), 0.9)) as tf.Tensor4D,
        targets: t as tf.Tensor1D,
      };
    });
    const options = { epochs: 10, learningRate: 1e-2, seed: 3 };
    const before = tf.memory().numTensors;
    const stacked = createStackedBinaryCnn({ size: 28, channels: 1 }, RUNS.map((r) => r.seed));
    const together = await trainStacked(stacked, images, targets, {
      ...options,
      losses: RUNS.map(lossOf),
    });
    stacked.dispose();
    assert.equal(tf.memory().numTensors, before, "stacked training leaked tensors");
    for (const [k, run] of RUNS.entries()) {
      const single = createBinaryCnn({ size: 28, channels: 1 }, run.seed);
      const alone = await trainBinary(single, tensorBatches(images, targets), {
        ...options,
        optimizer: { optimizer: "adam", learningRate: options.learningRate },
        loss: lossOf(run),
      });
      single.dispose();
      const what = `γ=${run.gamma} ${run.stabilization}`;
      assert.deepEqual(
        [
          together[k].status,
          together[k].nanEpoch,
          together[k].nanStep,
          together[k].completedEpochs,
        ],
        [alone.status, alone.nanEpoch, alone.nanStep, alone.completedEpochs],
        what,
      );
      assertClose(together[k].epochLosses, alone.epochLosses, { rtol: 1e-3, atol: 1e-6, what });
    }
    assert.equal(together[0].status, "nan", "the original loss at γ = 0.3 meets a NaN");
    tf.dispose([images, targets]);
  },
);
