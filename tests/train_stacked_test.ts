import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { easyData } from "./_easy_task.ts";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { tensorBatches, trainBinary } from "../lib/train/train_binary.ts";
import { type StackedBatches, trainStacked } from "../lib/train/train_stacked.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";

/** The runs of the stack: their loss, and whether their targets are the inverse class. */
const RUNS: { stabilization: Stabilization; gamma: number; invert: boolean; seed: number }[] = [
  { stabilization: "none", gamma: 0.3, invert: false, seed: 11 },
  { stabilization: "exact", gamma: 0.3, invert: false, seed: 12 },
  { stabilization: "epsilon", gamma: 0.5, invert: true, seed: 13 },
  { stabilization: "none", gamma: 0, invert: true, seed: 14 },
];
/** A large learning rate saturates the easy task within a few epochs: the original NaNs. */
const SGD = { learningRate: 0.5, momentum: 0.9 };

const focal = (stabilization: Stabilization, gamma: number) => (logits: tf.Tensor, y: tf.Tensor) =>
  sigmoidFocalLoss(logits, y, { gamma, alpha: 0.5, stabilization, reduction: "mean" }) as tf.Scalar;

// Not on cpu: there the eight trainings take 3.4 minutes (the trainer is for
// GPUs; wasm and webgpu, on Mesa's software adapter, run it in seconds).
Deno.test({
  name: name(
    "stacked training equals one run at a time: epoch losses, NaN epoch and step; one read an epoch",
  ),
  ignore: BACKEND === "cpu",
  async fn() {
    const before = tf.memory().numTensors;
    const { images, targets } = easyData(96);
    const runTargets = tf.tidy(() =>
      RUNS.map((r) => (r.invert ? tf.sub(1, targets) : targets.clone()))
    );
    const single = [];
    for (const [k, run] of RUNS.entries()) {
      const model = createBinaryCnn({ size: 28, channels: 1 }, run.seed);
      single.push(
        await trainBinary(model, tensorBatches(images, runTargets[k]), {
          epochs: 6,
          batchSize: 32,
          seed: 3,
          optimizer: { optimizer: "sgd", ...SGD },
          loss: focal(run.stabilization, run.gamma),
        }),
      );
      model.dispose();
    }
    const stackedTargets = tf.stack(runTargets); // [K, N]
    const data: StackedBatches = {
      count: 96,
      batch: (indices) =>
        tf.tidy(() => {
          const index = tf.tensor1d(indices, "int32");
          return {
            inputs: tf.gather(images, index) as tf.Tensor4D,
            targets: tf.expandDims(tf.gather(stackedTargets, index, 1), 2) as tf.Tensor3D,
          };
        }),
    };
    const model = createStackedBinaryCnn({ size: 28, channels: 1 }, RUNS.map((r) => r.seed));
    const stacked = await trainStacked(model, data, {
      epochs: 6,
      batchSize: 32,
      seed: 3,
      ...SGD,
      losses: RUNS.map((r) => focal(r.stabilization, r.gamma)),
    });
    model.dispose();
    tf.dispose([images, targets, stackedTargets, ...runTargets]);
    assert.equal(tf.memory().numTensors, before, "training leaked tensors");
    assert.ok(single.some((r) => r.status === "nan"), "a run meets its NaN (the test's point)");
    assert.ok(stacked.reads <= 6, `${stacked.reads} reads`);
    for (const [k, one] of single.entries()) {
      const ours = stacked.runs[k];
      const label = `run ${k} (${RUNS[k].stabilization}, γ ${RUNS[k].gamma})`;
      assert.equal(ours.status, one.status, label);
      assert.equal(ours.nanEpoch, one.nanEpoch, label);
      assert.equal(ours.nanStep, one.nanStep, label);
      assert.equal(ours.completedEpochs, one.completedEpochs, label);
      assert.equal(ours.epochLosses.length, one.epochLosses.length, label);
      ours.epochLosses.forEach((loss, e) => {
        const tolerance = Math.max(1e-3, 100 * RTOL) * Math.max(1, Math.abs(one.epochLosses[e]));
        assert.ok(
          Math.abs(loss - one.epochLosses[e]) <= tolerance,
          `${label}, epoch ${e + 1}: ${loss} vs ${one.epochLosses[e]}`,
        );
      });
    }
  },
});
