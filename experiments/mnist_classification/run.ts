// The MNIST binary-classification experiment (Sec. 2.5.1, Figure 4): every
// run of a profile's grid trains the CNN of Appendix A.4 until it completes
// its epochs or meets a NaN, and appends its record to runs.jsonl.
import * as tf from "@tensorflow/tfjs";
import { binarize, noisyImages } from "../../lib/data/binary_mnist.ts";
import { mulberry32 } from "../../lib/data/_random.ts";
import { loadMnist, type MnistSplit } from "../../lib/data/mnist.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { trainBinary } from "../../lib/train/train_binary.ts";
import { provenance } from "../../lib/results/provenance.ts";
import { appendRecord, readRecords, type RunRecord } from "../../lib/results/run_records.ts";
import { sigmoidFocalLoss } from "../../mod.ts";
import { type MnistProfile, type RunConfig, runGrid, shardOf } from "./profiles.ts";
import "../../lib/kernels/conv2d_backprop_filter_wasm.ts";

export const EXPERIMENT = "mnist-classification";

/** What one invocation runs. */
export interface MnistRunOptions {
  profile: MnistProfile;
  backend: string;
  adapter: string | null;
  shard: [number, number];
  out: string;
  seed: number;
  dataDir?: string;
  /** Called after each run with (done, total, record). */
  progress?: (done: number, total: number, record: RunRecord) => void;
}

/**
 * `n` training indices drawn separately from class A (digit ≤ threshold)
 * and class B, in proportion, so that Table 1's A/B ratio holds at any size.
 */
export function stratifiedSubset(
  labels: Uint8Array,
  threshold: number,
  n: number,
  seed: number,
): Int32Array {
  const a: number[] = [];
  const b: number[] = [];
  labels.forEach((digit, i) => (digit <= threshold ? a : b).push(i));
  const nA = Math.round((n * a.length) / labels.length);
  const random = mulberry32(seed);
  const pick = (from: number[], k: number) => {
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (from.length - i));
      [from[i], from[j]] = [from[j], from[i]];
    }
    return from.slice(0, k);
  };
  return Int32Array.from([...pick(a, nA), ...pick(b, n - nA)]);
}

/** The images and binary targets of one run, as tensors. */
function dataset(
  mnist: MnistSplit,
  run: RunConfig,
  seed: number,
): { images: tf.Tensor4D; targets: tf.Tensor1D } {
  const pixels = mnist.rows * mnist.cols;
  const indices = run.trainSamples === null
    ? Int32Array.from({ length: mnist.count }, (_, i) => i)
    : stratifiedSubset(mnist.labels, run.threshold, run.trainSamples, seed);
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, dst) => {
    images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels);
    labels[dst] = mnist.labels[src];
  });
  return {
    images: tf.tensor4d(noisyImages(images, run.noise, seed), [
      indices.length,
      mnist.rows,
      mnist.cols,
      1,
    ]),
    targets: tf.tensor1d(binarize(labels, run.threshold)),
  };
}

/** Runs the shard's runs that runs.jsonl does not hold yet; returns all its records. */
export async function runMnistClassification(options: MnistRunOptions): Promise<RunRecord[]> {
  const { profile, shard, out, seed } = options;
  const path = `${out}/${EXPERIMENT}/runs.jsonl`;
  const done = new Set((await readRecords(path)).map((r) => r.runId));
  const runs = shardOf(runGrid(profile), ...shard);
  const todo = runs.filter((r) => !done.has(r.runId));
  const mnist = await loadMnist("train", { dataDir: options.dataDir });
  const base = await provenance();
  let finished = runs.length - todo.length;
  for (const run of todo) {
    const startedAt = new Date();
    const { images, targets } = dataset(mnist, run, seed);
    const model = createBinaryCnn({ size: mnist.rows, channels: 1 }, seed + run.index);
    const result = await trainBinary(model, images, targets, {
      epochs: run.epochs,
      batchSize: run.batchSize,
      learningRate: run.learningRate,
      seed: seed + run.index,
      loss: (logits, y) =>
        sigmoidFocalLoss(logits, y, {
          gamma: run.gamma,
          alpha: run.alpha,
          stabilization: run.stabilization,
          epsilon: run.epsilon || 1e-3,
          reduction: "mean",
        }) as tf.Scalar,
    });
    model.dispose();
    tf.dispose([images, targets]);
    const finishedAt = new Date();
    const { runId, index, ...config } = run;
    const record: RunRecord = {
      experiment: EXPERIMENT,
      runId,
      index,
      profile: profile.name,
      config,
      ...result,
      provenance: {
        ...base,
        backend: options.backend,
        adapter: options.adapter,
        profile: profile.name,
        seed,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        wallSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      },
    };
    await appendRecord(path, record);
    options.progress?.(++finished, runs.length, record);
  }
  return (await readRecords(path)).filter((r) => runs.some((run) => run.runId === r.runId));
}
