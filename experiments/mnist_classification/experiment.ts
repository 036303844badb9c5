// The MNIST binary-classification experiment (Sec. 2.5.1, Figure 4): every
// run of a profile's grid trains the CNN of Appendix A.4 until it completes
// its epochs or meets a NaN.
import * as tf from "@tensorflow/tfjs";
import { binarize, noisyImages } from "../../lib/data/binary_mnist.ts";
import { mulberry32 } from "../../lib/data/_random.ts";
import { loadMnist, type MnistSplit } from "../../lib/data/mnist.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { trainBinary } from "../../lib/train/train_binary.ts";
import { sigmoidFocalLoss } from "../../mod.ts";
import type { Experiment } from "../_experiment.ts";
import { type MnistProfile, type MnistRun, PROFILES, runGrid } from "./profiles.ts";
import { renderFigure4 } from "./figure4.ts";

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
  run: MnistRun,
  seed: number,
): { images: tf.Tensor4D; targets: tf.Tensor1D } {
  const { threshold, noise, trainSamples } = run.config;
  const pixels = mnist.rows * mnist.cols;
  const indices = trainSamples === null
    ? Int32Array.from({ length: mnist.count }, (_, i) => i)
    : stratifiedSubset(mnist.labels, threshold, trainSamples, seed);
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, dst) => {
    images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels);
    labels[dst] = mnist.labels[src];
  });
  return {
    images: tf.tensor4d(noisyImages(images, noise, seed), [
      indices.length,
      mnist.rows,
      mnist.cols,
      1,
    ]),
    targets: tf.tensor1d(binarize(labels, threshold)),
  };
}

/** Sec. 2.5.1 / Figure 4 as an experiment of the shared runner. */
export const mnistClassification: Experiment<MnistProfile, MnistSplit> = {
  name: "mnist-classification",
  title: "MNIST binary classification, CNN of Appendix A.4 (Sec. 2.5.1, Table 1, Figure 4)",
  profiles: PROFILES,
  grid: runGrid,
  unavailable: () => Promise.resolve(null),
  prepare: (_profile, { dataDir }) => loadMnist("train", { dataDir }),
  async train(mnist, gridRun, seed) {
    const run = gridRun as MnistRun;
    const { gamma, alpha, stabilization, epsilon, epochs, batchSize, learningRate } = run.config;
    const { images, targets } = dataset(mnist, run, seed);
    const model = createBinaryCnn({ size: mnist.rows, channels: 1 }, seed + run.index);
    try {
      return await trainBinary(model, images, targets, {
        epochs,
        batchSize,
        learningRate,
        seed: seed + run.index,
        loss: (logits, y) =>
          sigmoidFocalLoss(logits, y, {
            gamma,
            alpha,
            stabilization,
            epsilon: epsilon || 1e-3,
            reduction: "mean",
          }) as tf.Scalar,
      });
    } finally {
      model.dispose();
      tf.dispose([images, targets]);
    }
  },
  async figures(records, dir) {
    const path = `${dir}/figure4.svg`;
    await renderFigure4(records, path);
    return [path];
  },
};
