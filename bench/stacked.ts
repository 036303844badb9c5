// deno task bench:stacked [--backend webgpu|wasm|cpu] [--models 1,4,16] [--steps N] [--cifar10]
//
// The stacked grid trainer (lib/train/train_stacked.ts) against one run at a
// time (trainBinary, which reads the loss back every step), on one backend:
// model-steps per second for K runs in one program, against one run at a
// time, and what one read from the device costs. Synthetic 28x28 batches of
// 64 (the paper's MNIST CNN and batch), or with --cifar10 32x32x3 batches of
// 128 (Figure 5's CNN: its seeds stacked), SGD with momentum, γ = 0.5.
// Prints a line per K and one JSON object last.
import "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { describeAdapter, parseBackend, settle, useBackend } from "../lib/backends/use_backend.ts";
import { DEBUG_OPTION, option, UsageError } from "../lib/cli/usage.ts";
import { createBinaryCnn } from "../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { tensorBatches, trainBinary } from "../lib/train/train_binary.ts";
import { type StackedBatches, trainStacked } from "../lib/train/train_stacked.ts";
import { sigmoidFocalLoss } from "../mod.ts";
import { WORKLOADS } from "./_training_step.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "webgpu" },
    models: { type: "string", default: "1,4,16" },
    steps: { type: "string", default: "10" },
    cifar10: { type: "boolean", default: false },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench:stacked [--backend webgpu|wasm|cpu] [--models 1,4,16] [--steps N] [--cifar10]",
  );
  Deno.exit(0);
}
const backend = option(() => parseBackend(values.backend));
const ks = values.models.split(",").map(Number);
const steps = Number(values.steps);
if (!ks.every((k) => Number.isInteger(k) && k >= 1) || !(Number.isInteger(steps) && steps >= 2)) {
  throw new UsageError(`--models takes positive integers and --steps at least 2`);
}
await useBackend(backend);
const adapter = backend === "webgpu" ? (await describeAdapter())?.description ?? null : null;

const workload = values.cifar10 ? WORKLOADS.cifar10 : WORKLOADS.mnist;
const BATCH = workload.batch;
const [side, , channels] = workload.shape;
const count = BATCH * steps;
const { images, targets } = tf.tidy(() => ({
  images: tf.randomUniform([count, ...workload.shape], 0, 1, "float32", 1) as tf.Tensor4D,
  targets: tf.cast(tf.less(tf.randomUniform([count], 0, 1, "float32", 2), 0.3), "float32"),
}));
const loss = (z: tf.Tensor, y: tf.Tensor) =>
  sigmoidFocalLoss(z, y, { gamma: 0.5, alpha: 0.5, reduction: "mean" }) as tf.Scalar;
const optimizer = { optimizer: "sgd" as const, learningRate: 1e-3, momentum: 0.9 };

/** One epoch of `steps` steps of one run with trainBinary (a read per step): seconds per step. */
async function single(): Promise<number> {
  const model = createBinaryCnn({ size: side, channels }, 1);
  const data = tensorBatches(images, targets);
  await trainBinary(model, data, { epochs: 1, batchSize: BATCH, seed: 1, optimizer, loss });
  const start = performance.now();
  await trainBinary(model, data, { epochs: 1, batchSize: BATCH, seed: 2, optimizer, loss });
  const seconds = (performance.now() - start) / 1000 / steps;
  model.dispose();
  return seconds;
}

/** One epoch of K stacked runs: seconds per step, and one read's seconds. */
async function stacked(K: number): Promise<{ perStep: number; read: number }> {
  const model = createStackedBinaryCnn(
    { size: side, channels },
    Array.from({ length: K }, (_, k) => k + 1),
  );
  const stackedTargets = tf.tidy(() => tf.tile(tf.reshape(targets, [1, count, 1]), [K, 1, 1]));
  const data: StackedBatches = {
    count,
    batch: (indices) =>
      tf.tidy(() => {
        const index = tf.tensor1d(indices, "int32");
        return {
          inputs: tf.gather(images, index) as tf.Tensor4D,
          targets: tf.gather(stackedTargets, index, 1) as tf.Tensor3D,
        };
      }),
  };
  const options = {
    epochs: 1,
    batchSize: BATCH,
    seed: 1,
    losses: Array(K).fill(loss),
    ...optimizer,
  };
  await trainStacked(model, data, options);
  await settle();
  const start = performance.now();
  await trainStacked(model, data, options);
  const total = (performance.now() - start) / 1000;
  const readStart = performance.now();
  await tf.tidy(() => tf.sum(model.variables[0])).data();
  const read = (performance.now() - readStart) / 1000;
  model.dispose();
  stackedTargets.dispose();
  return { perStep: total / steps, read };
}

const singleSeconds = await single();
console.log(
  `${backend}${adapter ? ` (${adapter})` : ""}: one run, trainBinary (a read per step): ${
    (singleSeconds * 1000).toFixed(1)
  } ms per step, ${(1 / singleSeconds).toFixed(1)} model-steps/s`,
);
const rows = [];
for (const K of ks) {
  const r = await stacked(K);
  const modelSteps = K / r.perStep;
  console.log(
    `K = ${K}: ${(r.perStep * 1000).toFixed(1)} ms per step, ${
      modelSteps.toFixed(1)
    } model-steps/s ` +
      `(${(modelSteps * singleSeconds).toFixed(2)}x one run at a time); a read: ${
        (r.read * 1000).toFixed(1)
      } ms`,
  );
  rows.push({ K, secondsPerStep: r.perStep, modelStepsPerSecond: modelSteps, readSeconds: r.read });
}
tf.dispose([images, targets]);
console.log(
  JSON.stringify({
    backend,
    adapter,
    dataset: workload.name,
    steps,
    batch: BATCH,
    singleSecondsPerStep: singleSeconds,
    rows,
  }),
);
