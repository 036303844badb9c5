import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { name } from "./_backend.ts";
import { sigmoidFocalLoss } from "../mod.ts";
import { imageBatches } from "../lib/data/image_batches.ts";
import {
  type TrainableModel,
  trainBinary,
  TrainingInterrupted,
} from "../lib/train/train_binary.ts";
import {
  CheckpointMismatch,
  readCheckpoint,
  type TrainingState,
  writeCheckpoint,
} from "../lib/train/checkpoint.ts";
import type { OptimizerConfig } from "../lib/train/optimizer.ts";

const SIDE = 8;
const IMAGES = 100;
const BATCH = 16; // 7 steps an epoch, the last one partial
const EPOCHS = 3;

/** Random 8×8 images and targets, the same for every call. */
function source() {
  let seed = 5;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const images = Uint8Array.from({ length: IMAGES * SIDE * SIDE }, () => Math.floor(next() * 256));
  const targets = Float32Array.from({ length: IMAGES }, () => (next() < 0.3 ? 1 : 0));
  // Fresh noise per batch, as the paper's protocol draws it: its stream must resume too.
  return imageBatches({ images, shape: [SIDE, SIDE, 1], targets, noise: 0.5, seed: 9 });
}

/** A logistic regression on the pixels, initialized from `init`. */
function model(init: number): TrainableModel & { dispose(): void } {
  const w = tf.variable(tf.randomNormal([SIDE * SIDE, 1], 0, 0.1, "float32", init));
  const b = tf.variable(tf.zeros([1]));
  return {
    variables: [w, b],
    forward: (x) => tf.add(tf.matMul(tf.reshape(x, [-1, SIDE * SIDE]), w), b),
    dispose: () => tf.dispose([w, b]),
  };
}

const loss = (logits: tf.Tensor, y: tf.Tensor) =>
  sigmoidFocalLoss(logits, y, { gamma: 0.5, alpha: 0.5, reduction: "mean" }) as tf.Scalar;

/** Trains EPOCHS epochs; stops after global step `stopAfter` when given. Counts its steps. */
async function train(
  optimizer: OptimizerConfig,
  options: {
    resume?: TrainingState | null;
    stopAfter?: number;
    saved?: TrainingState[];
    epochMetrics?: boolean;
  } = {},
) {
  // A model initialized differently from the run's: a resume must overwrite every weight.
  const m = model(options.resume ? 77 : 1);
  let steps = 0;
  const epochs = new Set<number>();
  try {
    const outcome = await trainBinary(m, source(), {
      epochs: EPOCHS,
      batchSize: BATCH,
      optimizer,
      seed: 3,
      loss,
      epochMetrics: options.epochMetrics,
      onStep: (epoch) => {
        steps++;
        epochs.add(epoch);
      },
      checkpoints: {
        resume: options.resume ?? null,
        save: (state) => {
          options.saved?.push(state);
          return Promise.resolve();
        },
        stopRequested: () => options.stopAfter !== undefined && steps >= options.stopAfter,
      },
    });
    const weights = await Promise.all(m.variables.map((v) => v.data()));
    return { outcome, steps, epochs: [...epochs], weights };
  } finally {
    m.dispose();
  }
}

for (
  const [optimizer, epochMetrics] of [
    [{ optimizer: "sgd", learningRate: 0.05, momentum: 0.9 }, false],
    [{ optimizer: "adam", learningRate: 0.01 }, false],
    [{ optimizer: "sgd", learningRate: 0.05, momentum: 0.9 }, true],
  ] as [OptimizerConfig, boolean][]
) {
  Deno.test(
    name(
      `a run stopped and resumed from its checkpoint equals an uninterrupted one (${optimizer.optimizer}${
        epochMetrics ? ", epoch metrics" : ""
      })`,
    ),
    async () => {
      const whole = await train(optimizer, { epochMetrics });
      assert.equal(whole.outcome.epochMetrics?.accuracy.length, epochMetrics ? EPOCHS : undefined);
      assert.equal(whole.steps, EPOCHS * 7);
      assert.equal(whole.outcome.status, "completed");
      // Mid-epoch (after step 10: epoch 2, step 3) and at an epoch's end (step 7).
      for (const stopAfter of [10, 7]) {
        const saved: TrainingState[] = [];
        await assert.rejects(
          () => train(optimizer, { stopAfter, saved, epochMetrics }),
          TrainingInterrupted,
        );
        const last = saved.at(-1)!;
        assert.deepEqual([last.epoch, last.step], stopAfter === 10 ? [2, 3] : [2, 0]);
        // Through the file format, as a new process would read it.
        const path = await Deno.makeTempFile({ prefix: "focal-checkpoint-" });
        try {
          await writeCheckpoint(path, "run-a", last);
          const resume = await readCheckpoint(path, "run-a");
          const rest = await train(optimizer, { resume, epochMetrics });
          // The resumed invocation trains only what was left: no finished epoch again.
          assert.equal(rest.steps, EPOCHS * 7 - stopAfter, `after ${stopAfter}: steps`);
          assert.deepEqual(rest.epochs, [2, 3]);
          assert.deepEqual(rest.outcome, whole.outcome, `after ${stopAfter}: the record`);
          assert.deepEqual(rest.weights, whole.weights, `after ${stopAfter}: the weights`);
        } finally {
          await Deno.remove(path);
        }
      }
    },
  );
}

Deno.test(
  name("checkpoints: saved every epoch but the last, refused for another run, checksummed"),
  async () => {
    const saved: TrainingState[] = [];
    await train({ optimizer: "sgd", learningRate: 0.05, momentum: 0.9 }, { saved });
    assert.deepEqual(saved.map((s) => [s.epoch, s.step]), [[2, 0], [3, 0]]);
    const dir = await Deno.makeTempDir({ prefix: "focal-checkpoint-" });
    const path = `${dir}/run.ckpt`;
    try {
      assert.equal(await readCheckpoint(path, "k"), null, "none yet");
      await writeCheckpoint(path, "k", saved[0]);
      await writeCheckpoint(path, "k", saved[1]);
      // Written through a temporary file and renamed: nothing else is left.
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["run.ckpt"]);
      const back = await readCheckpoint(path, "k");
      assert.deepEqual(back, { ...saved[1], meta: {} });
      await writeCheckpoint(path, "k", { ...saved[1], meta: { gitCommit: "abc" } });
      assert.deepEqual((await readCheckpoint(path, "k"))?.meta, { gitCommit: "abc" });
      await assert.rejects(() => readCheckpoint(path, "another config"), CheckpointMismatch);
      const bytes = await Deno.readFile(path);
      bytes[bytes.length - 3] ^= 0x40;
      await Deno.writeFile(path, bytes);
      await assert.rejects(() => readCheckpoint(path, "k"), /does not match its checksum/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
