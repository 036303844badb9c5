// The MNIST binary-classification experiment (Sec. 2.5.1, Figure 4): every
// run of a profile's grid trains the CNN of Appendix A.4 until it completes
// its epochs or meets a NaN.
import { binarize, NOISE_SCALES } from "../../lib/data/binary_mnist.ts";
import { imageBatches } from "../../lib/data/image_batches.ts";
import { stratifiedSample } from "../../lib/data/subsets.ts";
import { loadMnist, type MnistSplit } from "../../lib/data/mnist.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { createStackedBinaryCnn } from "../../lib/models/stacked_binary_cnn.ts";
import { type StackedBatches, trainStacked } from "../../lib/train/train_stacked.ts";
import { sigmoidFocalLoss } from "../../mod.ts";
import * as tf from "@tensorflow/tfjs";
import { optimizerOf, trainWithFocalLoss } from "../_train_focal.ts";
import { type Experiment, runSeeds } from "../_experiment.ts";
import { type MnistProfile, type MnistRun, PROFILES, runGrid } from "./profiles.ts";
import { renderFigure4 } from "./figure4.ts";
import { MNIST_FILES } from "../../lib/data/mnist.ts";
import { publishedMnistCell } from "../_published.ts";
import { randomBinaryBatch } from "../_calibration.ts";
import { figure4Section } from "./report.ts";

/** The images (bytes, pixel/255 when batched) and binary targets of one run (a stratified subset when trainSamples is set). */
export function runImages(
  mnist: MnistSplit,
  threshold: number,
  trainSamples: number | null,
  seed: number,
): { images: Uint8Array; targets: Float32Array } {
  const all = binarize(mnist.labels, threshold);
  if (trainSamples === null) return { images: mnist.images, targets: all };
  const pixels = mnist.rows * mnist.cols;
  const indices = stratifiedSample(all, trainSamples, seed);
  const images = new Uint8Array(indices.length * pixels);
  indices.forEach((src, dst) =>
    images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels)
  );
  return { images, targets: Float32Array.from(indices, (i) => all[i]) };
}

/** Sec. 2.5.1 / Figure 4 as an experiment of the shared runner. */
export const mnistClassification: Experiment<MnistProfile, MnistSplit> = {
  name: "mnist-classification",
  title: "MNIST binary classification, CNN of Appendix A.4 (Sec. 2.5.1, Table 1, Figure 4)",
  profiles: PROFILES,
  grid: runGrid,
  unavailable: () => Promise.resolve(null),
  prepare: (_profile, { dataDir }) => loadMnist("train", { dataDir }),
  train(mnist, gridRun, seed, checkpoints) {
    const run = gridRun as MnistRun;
    const { threshold, noise, trainSamples } = run.config;
    const seeds = runSeeds(seed, run.pair);
    const { images, targets } = runImages(mnist, threshold, trainSamples, seeds.init);
    const data = imageBatches({
      images,
      shape: [mnist.rows, mnist.cols, 1],
      targets,
      noise: NOISE_SCALES[noise],
      seed: seeds.batches,
    });
    const model = createBinaryCnn({ size: mnist.rows, channels: 1 }, seeds.init);
    return trainWithFocalLoss(model, data, run.config, seeds.order, checkpoints);
  },
  // On a GPU a noise level's runs train as one program: their thresholds,
  // γ, losses and weights are their own (each starts from the weights its
  // single run would), their images, order and noise shared (seeded by the
  // noise level). Runs on a sampled subset (trainSamples) train alone: their
  // images differ by threshold; so do Adam runs (the stack trains with SGD).
  stackKey: (c) =>
    c.trainSamples !== null || c.optimizer !== "sgd"
      ? null
      : JSON.stringify([c.noise, c.epochs, c.batchSize, c.learningRate, c.momentum, c.repeat ?? 0]),
  async stack(mnist, gridRuns, seed, checkpoints) {
    const runs = gridRuns as MnistRun[];
    const { noise, epochs, batchSize } = runs[0].config;
    const sgd = optimizerOf(runs[0].config);
    if (sgd.optimizer !== "sgd") {
      throw new Error("a stack trains with SGD: stackKey admits no other");
    }
    const shared = runSeeds(seed, `stack/noise=${noise}/repeat=${runs[0].config.repeat ?? 0}`);
    const K = runs.length;
    const targets = runs.map((r) => binarize(mnist.labels, r.config.threshold));
    const images = imageBatches({
      images: mnist.images,
      shape: [mnist.rows, mnist.cols, 1],
      targets: targets[0],
      noise: NOISE_SCALES[noise],
      seed: shared.batches,
    });
    const data: StackedBatches = {
      count: mnist.count,
      state: images.state,
      restore: images.restore,
      batch(indices) {
        const { inputs, targets: first } = images.batch(indices);
        first.dispose();
        const y = new Float32Array(K * indices.length);
        targets.forEach((t, k) => indices.forEach((i, b) => (y[k * indices.length + b] = t[i])));
        return {
          inputs: inputs as tf.Tensor4D,
          targets: tf.tensor3d(y, [K, indices.length, 1]),
        };
      },
    };
    const model = createStackedBinaryCnn(
      { size: mnist.rows, channels: 1 },
      runs.map((r) => runSeeds(seed, r.pair).init),
    );
    try {
      const { runs: outcomes } = await trainStacked(model, data, {
        epochs,
        batchSize,
        seed: shared.order,
        learningRate: sgd.learningRate,
        momentum: sgd.momentum,
        checkpoints,
        losses: runs.map(({ config: c }) => (logits, y) =>
          sigmoidFocalLoss(logits, y, {
            gamma: c.gamma,
            alpha: c.alpha,
            stabilization: c.stabilization,
            epsilon: c.epsilon,
            reduction: "mean",
          })
        ),
      });
      return outcomes;
    } finally {
      model.dispose();
    }
  },
  async figures(records, dir) {
    const path = `${dir}/figure4.svg`;
    await renderFigure4(records, path);
    return [path];
  },
  report: figure4Section,
  datasetSize: MNIST_FILES.trainImages.count,
  publishedRun: publishedMnistCell,
  stepModel: (config) => ({
    key: `binary-cnn-a4, batch ${config.batchSize}`,
    batch: config.batchSize,
    calibrationBatch: config.batchSize,
    build: (batch) => ({
      model: createBinaryCnn({ size: 28, channels: 1 }, 1),
      ...randomBinaryBatch(batch, [28, 28, 1]),
    }),
  }),
};
