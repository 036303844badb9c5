// The MNIST segmentation experiment (Sec. 2.5.3, Figure 6): a U-Net learns
// the mask of each digit (pixels above 0.5, taken from the clean image before
// the noise is added) with the per-pixel focal loss, γ = α = 0.5, original
// vs stabilized.
import { NOISE_SCALES, type NoiseLevel } from "../../lib/data/binary_mnist.ts";
import { imageBatches } from "../../lib/data/image_batches.ts";
import { randomSample } from "../../lib/data/subsets.ts";
import { loadMnist } from "../../lib/data/mnist.ts";
import { createUNet } from "../../lib/models/unet.ts";
import { type FocalTrainingConfig, trainWithFocalLoss } from "../_train_focal.ts";
import { type Experiment, type GridRun, runSeeds } from "../_experiment.ts";
import { PAPER_PROTOCOL, PROFILES, runGrid, type SegmentationProfile } from "./profiles.ts";
import { renderHorizon } from "../unet_horizon/figure.ts";
import { sidesOf } from "../unet_horizon/report.ts";
import { lossCurvesSpec } from "../../lib/figures/loss_curves.ts";
import { writeSvg } from "../../lib/figures/render_svg.ts";
import { loadPublished } from "../_published.ts";
import { figure6Section } from "./report.ts";
import { horizonPlanNotes } from "../unet_horizon/plan.ts";
import { MNIST_FILES } from "../../lib/data/mnist.ts";
import { publishedSegmentationRun } from "../_published.ts";
import * as tf from "@tensorflow/tfjs";
import type { TrainingCheckpoints } from "../../lib/train/train_binary.ts";
import type { RunOutcome } from "../../lib/results/run_records.ts";

/** What the runs share: the chosen images, once. */
export interface SegmentationContext {
  images: Uint8Array;
  rows: number;
  cols: number;
}

/**
 * Trains one segmentation run: its U-Net on the masks of the images (pixels
 * above maskThreshold, from the clean image) with the run's noise, recording
 * each epoch's saturation metrics (how far the logits are from float32's
 * saturation: the original loss's horizon to its NaN).
 */
export function trainSegmentation(
  { images, rows, cols }: SegmentationContext,
  run: GridRun,
  seed: number,
  checkpoints?: TrainingCheckpoints,
): Promise<RunOutcome> {
  const c = run.config as GridRun["config"] & FocalTrainingConfig & {
    noise: NoiseLevel;
    maskThreshold: number;
    width: number;
  };
  const seeds = runSeeds(seed, run.pair);
  const data = imageBatches({
    images,
    shape: [rows, cols, 1],
    targets: { maskAbove: c.maskThreshold },
    noise: NOISE_SCALES[c.noise],
    seed: seeds.batches,
  });
  const model = createUNet({ width: c.width }, seeds.init);
  return trainWithFocalLoss(model, data, c, seeds.order, checkpoints, { saturationMetrics: true });
}

/** Sec. 2.5.3 / Figure 6 as an experiment of the shared runner. */
export const mnistSegmentation: Experiment<SegmentationProfile, SegmentationContext> = {
  name: "mnist-segmentation",
  title: "MNIST segmentation, U-Net of Appendix A.6 (Sec. 2.5.3, Table 5, Figure 6)",
  profiles: PROFILES,
  grid: runGrid,
  unavailable: () => Promise.resolve(null),
  async prepare(profile, { dataDir, seed }) {
    const mnist = await loadMnist("train", { dataDir });
    const { rows, cols } = mnist;
    if (profile.trainSamples === null) return { images: mnist.images, rows, cols };
    const pixels = rows * cols;
    const indices = randomSample(mnist.count, profile.trainSamples, seed);
    const images = new Uint8Array(indices.length * pixels);
    indices.forEach((src, dst) =>
      images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels)
    );
    return { images, rows, cols };
  },
  train: trainSegmentation,
  async figures(records, dir) {
    const path = `${dir}/figure6.svg`;
    const width = Number(records[0]?.config.width ?? PAPER_PROTOCOL.width);
    const smaller = width !== PAPER_PROTOCOL.width;
    await writeSvg(
      path,
      lossCurvesSpec(records, {
        title: smaller
          ? `Figure 6 at width ${width} (a smaller U-Net), γ = α = 0.5; × = NaN; dashed: the ` +
            `paper's width-${PAPER_PROTOCOL.width} runs`
          : "Figure 6: U-Net on MNIST segmentation, γ = α = 0.5; × = NaN; dashed: the paper's",
        series: (r) => `noise: ${r.config.noise}`,
        reference: (await loadPublished()).mnistSegmentation.filter((p) =>
          records.some((r) => r.config.noise === p.noise)
        ).map((p) => ({
          stabilization: p.loss === "original" ? "none" : "epsilon",
          series: `noise: ${p.noise}`,
          epochLosses: p.epochLosses,
          nanEpoch: p.completedEpochs < p.maxEpochs ? p.completedEpochs + 1 : null,
        })),
      }),
    );
    // A smaller network: how close its logits came to float32's saturation,
    // per epoch (runs recorded before the saturation metrics have none).
    if (!smaller || !records.some((r) => sidesOf(r).length > 0)) return [path];
    return [
      path,
      await renderHorizon(records, dir, {
        line: (r) =>
          `${
            r.config.stabilization === "none" ? "original" : "stabilized"
          }, noise ${r.config.noise}`,
        subject: `Figure 6 at width ${width}: the extreme logits per epoch`,
      }),
    ];
  },
  report: figure6Section,
  datasetSize: MNIST_FILES.trainImages.count,
  publishedRun: publishedSegmentationRun,
  // Figure 6 at a smaller width: where the measured horizons put its NaN.
  planNotes: () => horizonPlanNotes(),
  stepModel: (config) => {
    const width = Number(config.width);
    return {
      key: `unet-a6-width${width}, batch ${config.batchSize}`,
      batch: config.batchSize,
      // Wide U-Nets are timed on a few images and scaled to the batch.
      calibrationBatch: Math.min(config.batchSize, width >= 32 ? 4 : config.batchSize),
      build: (batch) => {
        const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
        return { model: createUNet({ width }, 1), x, y: tf.cast(tf.greater(x, 0.5), "float32") };
      },
    };
  },
};
