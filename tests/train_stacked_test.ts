import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { easyData } from "./_easy_task.ts";
import { BACKEND, name, RTOL } from "./_backend.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { tensorBatches, trainBinary } from "../lib/train/train_binary.ts";
import { type StackedBatches, trainStacked } from "../lib/train/train_stacked.ts";
import { TrainingInterrupted } from "../lib/train/train_binary.ts";
import { readCheckpoint, writeCheckpoint } from "../lib/train/checkpoint.ts";
import { imageBatches } from "../lib/data/image_batches.ts";
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

/** A stack's source: 96 images with per-batch noise (a stream a checkpoint must carry). */
function noisySource(): { data: StackedBatches; batches: () => number } {
  let seed = 21;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const labels = Float32Array.from({ length: 96 }, () => (next() < 0.3 ? 1 : 0));
  const images = new Uint8Array(96 * 28 * 28);
  images.forEach((
    _,
    i,
  ) => (images[i] = labels[Math.floor(i / 784)] ? 255 : Math.floor(next() * 20)));
  const source = imageBatches({ images, shape: [28, 28, 1], targets: labels, noise: 0.1, seed: 4 });
  const perRun = RUNS.map((r) => r.invert ? labels.map((y) => 1 - y) : labels);
  let drawn = 0;
  return {
    batches: () => drawn,
    data: {
      count: 96,
      state: source.state,
      restore: source.restore,
      batch(indices) {
        drawn++;
        const { inputs, targets } = source.batch(indices);
        targets.dispose();
        const y = new Float32Array(RUNS.length * indices.length);
        perRun.forEach((t, k) => indices.forEach((i, b) => (y[k * indices.length + b] = t[i])));
        return {
          inputs: inputs as tf.Tensor4D,
          targets: tf.tensor3d(y, [RUNS.length, indices.length, 1]),
        };
      },
    },
  };
}

Deno.test({
  name: name("a stopped stack resumes from its checkpoint file to the uninterrupted outcomes"),
  ignore: BACKEND === "cpu",
  async fn() {
    const before = tf.memory().numTensors;
    const options = {
      epochs: 6,
      batchSize: 32, // 3 steps an epoch
      seed: 3,
      ...SGD,
      losses: RUNS.map((r) => focal(r.stabilization, r.gamma)),
    };
    const train = async (
      seeds: number[],
      checkpoints?: Parameters<typeof trainStacked>[2]["checkpoints"],
      stopAfter = Infinity,
    ) => {
      const { data, batches } = noisySource();
      if (checkpoints) checkpoints.stopRequested = () => batches() >= stopAfter;
      const model = createStackedBinaryCnn({ size: 28, channels: 1 }, seeds);
      try {
        return { ...(await trainStacked(model, data, { ...options, checkpoints })), batches };
      } finally {
        model.dispose();
      }
    };
    const seeds = RUNS.map((r) => r.seed);
    const whole = await train(seeds);
    const path = await Deno.makeTempFile({ suffix: ".ckpt" });
    try {
      // Stopped after global step 10 (epoch 4, step 1), saved to a file.
      await assert.rejects(
        train(seeds, { resume: null, save: (state) => writeCheckpoint(path, "stack", state) }, 10),
        TrainingInterrupted,
      );
      const resume = await readCheckpoint(path, "stack");
      assert.equal(resume?.epoch, 4);
      assert.equal(resume?.step, 1);
      // Resumed into models initialized otherwise: every weight must come from the file.
      const resumed = await train(seeds.map((s) => s + 100), {
        resume,
        save: (state) => writeCheckpoint(path, "stack", state),
      });
      assert.deepEqual(resumed.runs, whole.runs);
      assert.equal(resumed.batches(), 18 - 10, "the resumed part trains only the steps left");
      assert.ok(whole.runs.some((r) => r.status === "nan"), "a run meets its NaN");
    } finally {
      await Deno.remove(path);
    }
    assert.equal(tf.memory().numTensors, before, "training leaked tensors");
  },
});
