// The MNIST binary-classification experiment (Sec. 2.5.1, Figure 4): every
// run of a profile's grid trains the CNN of Appendix A.4 until it completes
// its epochs or meets a NaN.
import * as tf from "@tensorflow/tfjs";
import { binarize, noisyImages } from "../../lib/data/binary_mnist.ts";
import { stratifiedSample } from "../../lib/data/subsets.ts";
import { loadMnist, type MnistSplit } from "../../lib/data/mnist.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { trainWithFocalLoss } from "../_train_focal.ts";
import type { Experiment } from "../_experiment.ts";
import { type MnistProfile, type MnistRun, PROFILES, runGrid } from "./profiles.ts";
import { renderFigure4 } from "./figure4.ts";

/** The images and binary targets of one run, as tensors. */
function dataset(
  mnist: MnistSplit,
  run: MnistRun,
  seed: number,
): { images: tf.Tensor4D; targets: tf.Tensor1D } {
  const { threshold, noise, trainSamples } = run.config;
  const pixels = mnist.rows * mnist.cols;
  const indices = stratifiedSample(binarize(mnist.labels, threshold), trainSamples, seed);
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
  train(mnist, gridRun, seed) {
    const run = gridRun as MnistRun;
    const { images, targets } = dataset(mnist, run, seed);
    const model = createBinaryCnn({ size: mnist.rows, channels: 1 }, seed + run.index);
    return trainWithFocalLoss(model, { inputs: images, targets }, run.config, seed + run.index);
  },
  async figures(records, dir) {
    const path = `${dir}/figure4.svg`;
    await renderFigure4(records, path);
    return [path];
  },
};
