// The variants experiment (not in the paper; profiles.ts says what it runs):
// the Unified and Adaptive Focal Losses train the U-Net of Figure 6 on MNIST
// masks, the Quality Focal Loss the CNN of Figure 4 on MNIST's binary labels,
// each in its original composition and its exact form, the Unified loss also
// with its authors' clipping, the Adaptive one also as its authors' code
// composes it. A U-Net run that meets a NaN records which of its loss's two
// parts was non-finite alone on that batch (`nanTerms`); every run records
// the range of its trained model's logits (`logitRange`).
import * as tf from "@tensorflow/tfjs";
import { imageBatches } from "../../lib/data/image_batches.ts";
import { randomSample } from "../../lib/data/subsets.ts";
import { loadMnist, MNIST_FILES, type MnistSplit } from "../../lib/data/mnist.ts";
import { createUNet } from "../../lib/models/unet.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import {
  type TrainableModel,
  trainBinary,
  type TrainBinaryOptions,
  type TrainingCheckpoints,
} from "../../lib/train/train_binary.ts";
import type { BinaryBatches } from "../../lib/data/image_batches.ts";
import type { RunOutcome } from "../../lib/results/run_records.ts";
import {
  adaptiveFocalGamma,
  adaptiveFocalLoss,
  qualityFocalLoss,
  unifiedFocalLoss,
} from "../../mod.ts";
import { unifiedParts } from "../../lib/losses/unified_parts.ts";
import { adaptiveParts, authorsAdaptiveLoss } from "./authors_adaptive.ts";
import { optimizerOf } from "../_train_focal.ts";
import { type Experiment, type GridRun, type RunSeeds, runSeeds } from "../_experiment.ts";
import { mnistClassification, runImages } from "../mnist_classification/experiment.ts";
import { mnistSegmentation } from "../mnist_segmentation/experiment.ts";
import { clippedUnifiedParts } from "./clipped_unified.ts";
import {
  type AdaptiveConfig,
  LOGIT_RANGE_IMAGES,
  PROFILES,
  type QualityConfig,
  REPRODUCE_SAMPLE,
  runGrid,
  SOFT_TARGETS,
  type UnifiedConfig,
  type VariantConfig,
  type VariantsProfile,
} from "./profiles.ts";
import { renderVariantsFigure } from "./figure.ts";
import { variantsSections } from "./report.ts";

/** The names `nanTerms` records for each loss's parts. */
export const PART_NAMES = {
  unified: ["focal", "tversky"],
  adaptive: ["factor", "crossEntropy"],
} as const;

/**
 * The parts of `parts` that are non-finite alone on this batch: a part's
 * value, or its gradient with respect to the logits.
 */
export async function nonFiniteParts<K extends string>(
  parts: (logits: tf.Tensor, y: tf.Tensor) => Record<K, tf.Tensor>,
  names: readonly K[],
  logits: tf.Tensor,
  y: tf.Tensor,
): Promise<K[]> {
  const flags = tf.tidy(() =>
    tf.stack(names.map((name) => {
      const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => parts(l, y)[name] as tf.Scalar)(
        logits,
      );
      return tf.logicalAnd(tf.all(tf.isFinite(value)), tf.all(tf.isFinite(grad))).toFloat();
    }))
  );
  const finite = await flags.data();
  flags.dispose();
  return names.filter((_, i) => finite[i] !== 1);
}

/**
 * Trains, then reads the smallest and largest logit the model gives on the
 * first LOGIT_RANGE_IMAGES training images (pixels, for the U-Net) with its
 * last finite weights: how near the run came to where the original forms
 * saturate in float32 (focal factor at x < −17.3, σ(x) = 1 at x > 16.6).
 */
async function trainAndRange(
  model: TrainableModel & { dispose(): void },
  data: BinaryBatches,
  options: TrainBinaryOptions,
): Promise<RunOutcome & { logitRange: [number, number] }> {
  try {
    const outcome = await trainBinary(model, data, options);
    const n = Math.min(LOGIT_RANGE_IMAGES, data.count);
    const { inputs, targets } = data.batch(Int32Array.from({ length: n }, (_, i) => i));
    const range = tf.tidy(() => {
      const logits = model.forward(inputs);
      return tf.stack([tf.min(logits), tf.max(logits)]);
    });
    const [min, max] = await range.data();
    tf.dispose([inputs, targets, range]);
    return { ...outcome, logitRange: [min, max] };
  } finally {
    model.dispose();
  }
}

/** What both tasks' training takes from a run's config: epochs, batch, optimizer, order seed. */
function protocolOf(c: VariantConfig, seeds: RunSeeds, checkpoints?: TrainingCheckpoints) {
  return {
    epochs: c.epochs,
    batchSize: c.batchSize,
    optimizer: optimizerOf(c),
    seed: seeds.order,
    checkpoints,
  };
}

/** The Unified loss of a run's arm, and its parts for the NaN diagnosis. */
function unifiedArm(c: UnifiedConfig) {
  const { weight, delta, gamma } = c;
  const parts = c.clip !== undefined
    ? (x: tf.Tensor, y: tf.Tensor) => clippedUnifiedParts(x, y, { delta, gamma, clip: c.clip! })
    : (x: tf.Tensor, y: tf.Tensor) =>
      unifiedParts(x, y, { delta, gamma, stabilization: c.stabilization, epsilon: 0 });
  const loss = c.clip !== undefined
    ? (x: tf.Tensor, y: tf.Tensor) =>
      tf.tidy(() => {
        const { focal, tversky } = parts(x, y);
        return tf.add(tf.mul(weight, tversky), tf.mul(1 - weight, focal)) as tf.Scalar;
      })
    // The package's loss: its fused kernels on cpu, wasm and webgpu.
    : (x: tf.Tensor, y: tf.Tensor) =>
      unifiedFocalLoss(x, y, { weight, delta, gamma, stabilization: c.stabilization }) as tf.Scalar;
  return { loss, parts };
}

/** The U-Net runs' masks (all images, or a seeded subset) and their U-Net. */
function segmentationRun(
  mnist: MnistSplit,
  c: UnifiedConfig | AdaptiveConfig,
  seeds: RunSeeds,
) {
  const pixels = mnist.rows * mnist.cols;
  let images = mnist.images;
  if (c.trainSamples !== null) {
    const indices = randomSample(mnist.count, c.trainSamples, seeds.init);
    images = new Uint8Array(indices.length * pixels);
    indices.forEach((src, dst) =>
      images.set(mnist.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels)
    );
  }
  const data = imageBatches({
    images,
    shape: [mnist.rows, mnist.cols, 1],
    targets: { maskAbove: c.maskThreshold },
    seed: seeds.batches,
  });
  return { data, model: createUNet({ width: c.width }, seeds.init) };
}

function trainUnified(
  mnist: MnistSplit,
  c: UnifiedConfig,
  seeds: RunSeeds,
  checkpoints?: TrainingCheckpoints,
): Promise<RunOutcome> {
  const { data, model } = segmentationRun(mnist, c, seeds);
  const { loss, parts } = unifiedArm(c);
  return trainAndRange(model, data, {
    ...protocolOf(c, seeds, checkpoints),
    loss,
    nanTerms: (logits, y) => nonFiniteParts(parts, PART_NAMES.unified, logits, y),
  });
}

/**
 * The Adaptive loss of a run's arm, γ from each batch's masks (the first
 * mask's smoothness plus the batch's foreground fraction), and its parts
 * for the NaN diagnosis: the pow form's for "none", the log-space factor's
 * for the authors' code and the exact form.
 */
function adaptiveArm(c: AdaptiveConfig) {
  const loss = c.authors
    ? (x: tf.Tensor, y: tf.Tensor) =>
      tf.tidy(() =>
        authorsAdaptiveLoss(x, y, adaptiveFocalGamma(y, { smoothness: c.adaptiveGamma }))
      )
    // The package's loss: the paper's pow formula ("none") or exact.
    : (x: tf.Tensor, y: tf.Tensor) =>
      adaptiveFocalLoss(x, y, {
        stabilization: c.stabilization,
        smoothness: c.adaptiveGamma,
      }) as tf.Scalar;
  const composition = c.stabilization === "none" && !c.authors ? "pow" : "authors";
  const parts = (x: tf.Tensor, y: tf.Tensor) =>
    adaptiveParts(x, y, adaptiveFocalGamma(y, { smoothness: c.adaptiveGamma }), composition);
  return { loss, parts };
}

function trainAdaptive(
  mnist: MnistSplit,
  c: AdaptiveConfig,
  seeds: RunSeeds,
  checkpoints?: TrainingCheckpoints,
): Promise<RunOutcome> {
  const { data, model } = segmentationRun(mnist, c, seeds);
  const { loss, parts } = adaptiveArm(c);
  return trainAndRange(model, data, {
    ...protocolOf(c, seeds, checkpoints),
    loss,
    nanTerms: (logits, y) => nonFiniteParts(parts, PART_NAMES.adaptive, logits, y),
  });
}

/** Soft quality targets from binary labels (SOFT_TARGETS). */
export function softTargets(labels: Float32Array): Float32Array {
  const s = SOFT_TARGETS.smoothing;
  return labels.map((y) => Math.fround(y * (1 - 2 * s) + s));
}

function trainQuality(
  mnist: MnistSplit,
  c: QualityConfig,
  seeds: RunSeeds,
  checkpoints?: TrainingCheckpoints,
): Promise<RunOutcome> {
  const { images, targets } = runImages(mnist, c.threshold, c.trainSamples, seeds.init);
  const data = imageBatches({
    images,
    shape: [mnist.rows, mnist.cols, 1],
    targets: c.targets === "soft" ? softTargets(targets) : targets,
    seed: seeds.batches,
  });
  const model = createBinaryCnn({ size: mnist.rows, channels: 1 }, seeds.init);
  return trainAndRange(model, data, {
    ...protocolOf(c, seeds, checkpoints),
    loss: (logits, y) =>
      qualityFocalLoss(logits, y, {
        beta: c.focus,
        stabilization: c.stabilization,
        reduction: "mean",
      }) as tf.Scalar,
  });
}

/** The variants as an experiment of the shared runner. */
export const variants: Experiment<VariantsProfile, MnistSplit> = {
  name: "variants",
  title: "(Not in the paper.) The variants: Unified and Adaptive Focal Losses on MNIST " +
    "segmentation, Quality Focal Loss on MNIST classification",
  profiles: PROFILES,
  grid: runGrid,
  reproduceCells: REPRODUCE_SAMPLE,
  unavailable: () => Promise.resolve(null),
  prepare: (_profile, { dataDir }) => loadMnist("train", { dataDir }),
  train(mnist, run: GridRun, seed, checkpoints) {
    const seeds = runSeeds(seed, run.pair);
    const c = run.config as UnifiedConfig | AdaptiveConfig | QualityConfig;
    return c.loss === "unified"
      ? trainUnified(mnist, c, seeds, checkpoints)
      : c.loss === "adaptive"
      ? trainAdaptive(mnist, c, seeds, checkpoints)
      : trainQuality(mnist, c, seeds, checkpoints);
  },
  async figures(records, dir) {
    const path = `${dir}/variants.svg`;
    await renderVariantsFigure(records, path);
    return [path];
  },
  report: variantsSections,
  datasetSize: MNIST_FILES.trainImages.count,
  publishedRun: () => undefined,
  // The models' steps are those of Figures 6 and 4.
  stepModel: (config) =>
    config.loss === "unified" || config.loss === "adaptive"
      ? mnistSegmentation.stepModel(config)
      : mnistClassification.stepModel(config),
};
