// The MNIST segmentation experiment (Sec. 2.5.3, Figure 6): a U-Net learns
// the mask of each digit (pixels above 0.5, taken before the noise is added)
// with the per-pixel focal loss, γ = α_t = 0.5, original vs stabilized.
import * as tf from "@tensorflow/tfjs";
import { NOISE_SCALES, type NoiseLevel, noisyImages } from "../../lib/data/binary_mnist.ts";
import { randomSample } from "../../lib/data/subsets.ts";
import { loadMnist, type MnistSplit } from "../../lib/data/mnist.ts";
import { createUNet } from "../../lib/models/unet.ts";
import { type FocalTrainingConfig, trainWithFocalLoss } from "../_train_focal.ts";
import type { Experiment, GridRun } from "../_experiment.ts";
import { PROFILES, runGrid, type SegmentationProfile } from "./profiles.ts";
import { renderLossCurves } from "../_loss_curves.ts";

/** Masks of Sec. 2.5.3: 1 where the clean image exceeds `threshold`, else 0. */
export function segmentationMasks(images: Uint8Array, threshold: number): Float32Array {
  return Float32Array.from(images, (v) => v / 255 > threshold ? 1 : 0);
}

/** What the runs share: the chosen images, once. */
interface Context {
  mnist: MnistSplit;
  images: Uint8Array;
  count: number;
}

/** Sec. 2.5.3 / Figure 6 as an experiment of the shared runner. */
export const mnistSegmentation: Experiment<SegmentationProfile, Context> = {
  name: "mnist-segmentation",
  title: "MNIST segmentation, U-Net of Appendix A.6 (Sec. 2.5.3, Table 5, Figure 6)",
  profiles: PROFILES,
  grid: runGrid,
  unavailable: () => Promise.resolve(null),
  async prepare(profile, { dataDir, seed }) {
    const mnist = await loadMnist("train", { dataDir });
    const pixels = mnist.rows * mnist.cols;
    const indices = randomSample(mnist.count, profile.trainSamples, seed);
    const images = new Uint8Array(indices.length * pixels);
    indices.forEach((src, dst) =>
      images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels)
    );
    return { mnist, images, count: indices.length };
  },
  train({ mnist, images, count }, run: GridRun, seed) {
    const c = run.config as GridRun["config"] & FocalTrainingConfig & {
      noise: NoiseLevel;
      maskThreshold: number;
      width: number;
    };
    const shape: [number, number, number, number] = [count, mnist.rows, mnist.cols, 1];
    // The noise is drawn per noise level, not per run: original and
    // stabilized see the same noisy images.
    const noiseSeed = seed + Object.keys(NOISE_SCALES).indexOf(c.noise);
    const inputs = tf.tensor4d(noisyImages(images, c.noise, noiseSeed), shape);
    const targets = tf.tensor4d(segmentationMasks(images, c.maskThreshold), shape);
    // One initialization and one batch order per noise level, too.
    const runSeed = seed + 1000 * Object.keys(NOISE_SCALES).indexOf(c.noise);
    const model = createUNet({ width: c.width }, runSeed);
    return trainWithFocalLoss(model, { inputs, targets }, c, runSeed);
  },
  async figures(records, dir) {
    const path = `${dir}/figure6.svg`;
    await renderLossCurves(records, path, {
      title: "Figure 6: U-Net on MNIST segmentation, γ = α_t = 0.5; × = NaN",
      series: (r) => `noise: ${r.config.noise}`,
    });
    return [path];
  },
};
