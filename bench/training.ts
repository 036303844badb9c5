// deno task bench:training [--quick] [--cifar10] [--rounds R] [--backend wasm|webgpu|cpu]
//                           [--models K] [--workers N] [--optimizer sgd|adam] [--no-peer]
//
// Training throughput of the paper's CNN (Appendix A.4, sigmoid focal loss
// γ = α = 0.5, the paper's SGD with momentum 0.9 unless --optimizer adam):
// on MNIST by default (batch 64, batches with the paper's high per-batch
// noise; the noise's cost is measured too), or on CIFAR-10 with --cifar10
// (32×32×3, batch 128, inputs (x − 0.5)/0.5, no noise, as Figure 5 trains)
// in the three ways a grid can be trained:
// one model at a time and N Web Workers each training one model at once
// (what the experiment runner does), both in the runner's own training loop;
// and K models of a grid cell in one program (lib/models/stacked_binary_cnn.ts).
// Then, unless --no-peer, PyTorch's CPU step of the same CNN with the
// same optimizer on the same machine right after
// (bench/peers/torch_cnn_train.py, all cores); with --rounds R the workers
// and the peer alternate R times, and the ratio is their rounds' median.
// Prints a line per measurement and, last, one JSON object:
// { backend, dataset, optimizer, modelsPerProgram, aggregateImagesPerSecond,
//   singleModelImagesPerSecond, noiseFreeImagesPerSecond, noiseCostShare,
//   stackedImagesPerSecond, workers, workersImagesPerSecond,
//   pytorchImagesPerSecond, pytorchThreads, aggregateOverPytorch, rounds, ratioRange }
// where aggregateImagesPerSecond is the better of the two grid strategies
// (the PyTorch fields are null without python3 and torch).
import { DEBUG_OPTION, option, UsageError } from "../lib/cli/exit_cleanly.ts";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { parseBackend, useBackend } from "../lib/backends/use_backend.ts";
import { createStackedBinaryCnn } from "../lib/models/stacked_binary_cnn.ts";
import { createOptimizer, type OptimizerConfig, PAPER_OPTIMIZER } from "../lib/train/optimizer.ts";
import { NOISE_SCALES } from "../lib/data/binary_mnist.ts";
import {
  fixedBatch,
  secondsPerStep,
  singleModelSecondsPerStep,
  type StepOptions,
  WORKLOADS,
} from "./_training_step.ts";
import { runPythonPeer } from "./_python_peer.ts";
import { median } from "./_workloads.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    cifar10: { type: "boolean", default: false },
    rounds: { type: "string", default: "1" },
    backend: { type: "string", default: "wasm" },
    models: { type: "string", default: "24" },
    workers: { type: "string" },
    optimizer: { type: "string", default: "sgd" },
    "no-peer": { type: "boolean", default: false },
    ...DEBUG_OPTION,
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "deno task bench:training [--quick] [--cifar10] [--rounds R] [--backend wasm|cpu|webgpu] [--models K] [--workers N] [--optimizer sgd|adam] [--no-peer] [--debug]",
  );
  Deno.exit(0);
}
const backend = option(() => parseBackend(values.backend));
for (
  const [name, value] of [
    ["models", values.models],
    ["workers", values.workers],
    ["rounds", values.rounds],
  ]
) {
  if (value !== undefined && !(Number.isInteger(Number(value)) && Number(value) >= 1)) {
    throw new UsageError(`--${name} must be a positive integer: received ${value}`);
  }
}
if (values.optimizer !== "sgd" && values.optimizer !== "adam") {
  throw new UsageError(`--optimizer must be sgd or adam: received ${values.optimizer}`);
}
const optimizer: OptimizerConfig = values.optimizer === "sgd"
  ? PAPER_OPTIMIZER
  : { optimizer: "adam", learningRate: 1e-3 };
const workload = values.cifar10 ? WORKLOADS.cifar10 : WORKLOADS.mnist;
const BATCH = workload.batch;
// Figure 5 trains without noise: there is no noise share to measure.
const step: StepOptions = {
  workload,
  optimizer,
  noise: values.cifar10 ? 0 : NOISE_SCALES.high,
};
const K = Number(values.models);
const roundCount = Number(values.rounds);
const workers = Number(
  values.workers ?? (backend === "webgpu" ? 1 : navigator.hardwareConcurrency),
);
const steps = values.quick ? 3 : 10;
// The runner's loop: an epoch of this many batches per measurement.
const runnerSteps = values.quick ? 20 : 100;
await useBackend(backend);

// The noise's share of a step: the same epoch without it, alternated twice.
const timings = { noisy: [] as number[], clean: [] as number[] };
for (let i = 0; i < 2; i++) {
  timings.noisy.push(await singleModelSecondsPerStep(runnerSteps, step));
  if (step.noise > 0) {
    timings.clean.push(await singleModelSecondsPerStep(runnerSteps, { ...step, noise: 0 }));
  }
}
if (step.noise === 0) timings.clean = timings.noisy;
const singleSeconds = Math.min(...timings.noisy);
const cleanSeconds = Math.min(...timings.clean);
const singleModelImagesPerSecond = BATCH / singleSeconds;
const noiseCostShare = (singleSeconds - cleanSeconds) / singleSeconds;
console.log(
  `one model, ${optimizer.optimizer}, noise ${step.noise}: ${
    (singleSeconds * 1000).toFixed(2)
  } ms per step, ${singleModelImagesPerSecond.toFixed(0)} images/s; without noise ${
    (cleanSeconds * 1000).toFixed(2)
  } ms: the noise is ${(100 * noiseCostShare).toFixed(1)}% of a step`,
);

const { x, y, loss } = fixedBatch(workload);
const stacked = createStackedBinaryCnn(
  { size: workload.shape[0], channels: workload.shape[2] },
  Array.from({ length: K }, (_, k) => k),
);
const stackedOptimizer = createOptimizer(optimizer);
const stackedSeconds = await secondsPerStep(() =>
  stackedOptimizer.minimize(
    () => {
      const logits = stacked.forward(x);
      const each = Array.from({ length: K }, (_, k) =>
        loss(tf.squeeze(tf.slice(logits, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D));
      return tf.addN(each) as tf.Scalar;
    },
    false,
    stacked.variables,
  ), steps);
stacked.dispose();
stackedOptimizer.dispose();
tf.dispose([x, y]);
const stackedImagesPerSecond = (K * BATCH) / stackedSeconds;
console.log(
  `${K} models in one program: ${(stackedSeconds * 1000).toFixed(1)} ms per step, ${
    stackedImagesPerSecond.toFixed(0)
  } model-images/s`,
);

// N workers at once, each with its own tfjs on its own thread.
async function workersImagesPerSecondNow(): Promise<number> {
  const perWorker = await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(new URL("./_training_worker.ts", import.meta.url).href, {
          type: "module",
        });
        worker.onmessage = ({ data }: MessageEvent<number | string>) => {
          worker.terminate();
          typeof data === "number" ? resolve(data) : reject(new Error(data));
        };
        worker.postMessage({ backend, steps: runnerSteps, step });
      })),
  );
  const imagesPerSecond = perWorker.reduce((s, seconds) => s + BATCH / seconds, 0);
  console.log(
    `${workers} workers, one model each: ${
      perWorker.map((s) => (s * 1000).toFixed(1)).join(", ")
    } ms per step, ${imagesPerSecond.toFixed(0)} model-images/s`,
  );
  return imagesPerSecond;
}

/** PyTorch's CPU step of the same CNN (all cores), or null without torch. */
async function pytorchNow(): Promise<{ imagesPerSecond: number; threads: number } | null> {
  const peer = await runPythonPeer("bench/peers/torch_cnn_train.py", [
    "--threads",
    String(navigator.hardwareConcurrency),
    "--steps",
    values.quick ? "100" : "300",
    "--optimizer",
    optimizer.optimizer,
    ...(values.cifar10 ? ["--cifar10"] : []),
  ]) as { imagesPerSecond: number; threads: number } | null;
  if (peer !== null) {
    console.log(
      `PyTorch, one model, ${optimizer.optimizer}, ${peer.threads} threads: ${
        peer.imagesPerSecond.toFixed(0)
      } images/s`,
    );
  }
  return peer;
}

// The workers and the peer alternate, round after round (this machine's
// speed drifts over minutes): each round's ratio, then their median and range.
const rounds: { ours: number; pytorch: number | null; ratio: number | null }[] = [];
for (let round = 1; round <= roundCount; round++) {
  if (roundCount > 1) console.log(`-- round ${round}/${roundCount}`);
  const ours = Math.max(stackedImagesPerSecond, await workersImagesPerSecondNow());
  const peer = values["no-peer"] ? null : await pytorchNow();
  rounds.push({
    ours,
    pytorch: peer?.imagesPerSecond ?? null,
    ratio: peer === null ? null : ours / peer.imagesPerSecond,
  });
  if (peer !== null) console.log(`ours ${(ours / peer.imagesPerSecond).toFixed(2)}x`);
}
const ratios = rounds.flatMap((r) => r.ratio === null ? [] : [r.ratio]);
const workersImagesPerSecond = median(rounds.map((r) => r.ours));
const aggregateImagesPerSecond = Math.max(stackedImagesPerSecond, workersImagesPerSecond);
const pytorchRates = rounds.flatMap((r) => r.pytorch === null ? [] : [r.pytorch]);
const peer = pytorchRates.length === 0 ? null : {
  imagesPerSecond: median(pytorchRates),
  threads: navigator.hardwareConcurrency,
};
const round2 = (x: number) => Math.round(x * 100) / 100;
if (ratios.length > 1) {
  console.log(
    `ours over PyTorch, ${ratios.length} alternating rounds: median ${round2(median(ratios))}x (${
      round2(Math.min(...ratios))
    }–${round2(Math.max(...ratios))})`,
  );
}
console.log(JSON.stringify({
  backend,
  dataset: workload.name,
  batch: BATCH,
  optimizer: optimizer.optimizer,
  modelsPerProgram: K,
  aggregateImagesPerSecond: Math.round(aggregateImagesPerSecond),
  singleModelImagesPerSecond: Math.round(singleModelImagesPerSecond),
  noiseFreeImagesPerSecond: Math.round(BATCH / cleanSeconds),
  noiseCostShare: Math.round(noiseCostShare * 1000) / 1000,
  stackedImagesPerSecond: Math.round(stackedImagesPerSecond),
  workers,
  workersImagesPerSecond: Math.round(workersImagesPerSecond),
  pytorchImagesPerSecond: peer === null ? null : Math.round(peer.imagesPerSecond),
  pytorchThreads: peer?.threads ?? null,
  aggregateOverPytorch: ratios.length === 0 ? null : round2(median(ratios)),
  rounds: rounds.map((r) => ({
    ours: Math.round(r.ours),
    pytorch: r.pytorch === null ? null : Math.round(r.pytorch),
    ratio: r.ratio === null ? null : round2(r.ratio),
  })),
  ratioRange: ratios.length === 0
    ? null
    : [round2(Math.min(...ratios)), round2(Math.max(...ratios))],
}));
