// The CIFAR-10 experiment (Sec. 2.5.2, Figure 5): vehicles (target 1) vs
// animals, as the official code labels them, with the CNN of Appendix A.4 on
// 32×32×3 and a ViT (Appendix A.5), γ = α = 0.5, original vs stabilized, no
// noise, inputs (x − 0.5)/0.5. One deviation: the official ViT pipeline
// takes a RandomResizedCrop(224) of each image; our ViT resizes the whole
// image (lib/models/vit.ts), with no random crop.
import {
  CIFAR10_TRAIN_IMAGES,
  type Cifar10Split,
  loadCifar10,
  vehicleTargets,
} from "../../lib/data/cifar10.ts";
import { imageBatches } from "../../lib/data/image_batches.ts";
import { stratifiedSample } from "../../lib/data/subsets.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { createVit, type VitOptions } from "../../lib/models/vit.ts";
import { type FocalTrainingConfig, trainWithFocalLoss } from "../_train_focal.ts";
import { type Experiment, type GridRun, runSeeds } from "../_experiment.ts";
import { lossCurvesSpec, type ReferenceCurve } from "../../lib/figures/loss_curves.ts";
import { writeSvg } from "../../lib/figures/render_svg.ts";
import { loadPublished } from "../_published.ts";
import { type CifarProfile, PROFILES, runGrid } from "./profiles.ts";
import { figure5Section } from "./report.ts";
import { publishedCifarRun } from "../_published.ts";
import { randomBinaryBatch } from "../_calibration.ts";
import type { RunRecord } from "../../lib/results/run_records.ts";

/** What the runs share: the training split (bytes, NHWC), its targets, and the seed of its samples. */
export interface CifarContext {
  images: Uint8Array;
  targets: Float32Array;
  /** Seeds the stratified samples of runs that train on a subset. */
  seed: number;
  /** The subsets made so far, by size: runs of one size share theirs. */
  subsets?: Map<number, { images: Uint8Array; targets: Float32Array }>;
}

/** The context of a loaded split: every image, vehicles as target 1. */
export function cifarContext(data: Cifar10Split, seed: number): CifarContext {
  return { images: data.images, targets: vehicleTargets(data.labels), seed };
}

/** A run's training images: all of them, or a stratified sample of `trainSamples` (kept). */
export function trainingSet(
  context: CifarContext,
  trainSamples: number | null,
): { images: Uint8Array; targets: Float32Array } {
  if (trainSamples === null) return context;
  context.subsets ??= new Map();
  const known = context.subsets.get(trainSamples);
  if (known) return known;
  const indices = stratifiedSample(context.targets, trainSamples, context.seed);
  const size = 32 * 32 * 3;
  const images = new Uint8Array(indices.length * size);
  indices.forEach((src, dst) =>
    images.set(context.images.subarray(src * size, (src + 1) * size), dst * size)
  );
  const subset = { images, targets: Float32Array.from(indices, (i) => context.targets[i]) };
  context.subsets.set(trainSamples, subset);
  return subset;
}

/** The paper's published CNN curves of Figure 5 (no ViT series is published). */
async function figure5Reference(): Promise<ReferenceCurve[]> {
  return (await loadPublished()).cifar10Classification.map((p) => ({
    stabilization: p.loss === "original" ? "none" : "epsilon",
    series: "CNN",
    epochLosses: p.epochLosses,
    epochAccuracy: p.epochAccuracy,
    nanEpoch: p.completedEpochs < p.maxEpochs ? p.completedEpochs + 1 : null,
  }));
}

/** Sec. 2.5.2 / Figure 5 as an experiment of the shared runner. */
export const cifar10Classification: Experiment<CifarProfile, CifarContext> = {
  name: "cifar10-classification",
  title: "CIFAR-10 vehicles vs animals, CNN (A.4) and ViT (A.5) (Sec. 2.5.2, Figure 5)",
  profiles: PROFILES,
  grid: runGrid,
  async unavailable({ dataDir }) {
    try {
      await loadCifar10("test", { dataDir, recordsPerFile: 10000 });
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  prepare: async (_profile, { dataDir, seed }) =>
    cifarContext(await loadCifar10("train", { dataDir }), seed),
  train(context, run: GridRun, seed, checkpoints) {
    const c = run.config as GridRun["config"] & FocalTrainingConfig & {
      vit?: VitOptions;
      normalize: { mean: number; std: number };
    };
    const { images, targets } = trainingSet(context, c.trainSamples);
    const seeds = runSeeds(seed, run.pair);
    const data = imageBatches({
      images,
      shape: [32, 32, 3],
      targets,
      normalize: c.normalize,
      seed: seeds.batches,
    });
    const model = c.vit
      ? createVit(c.vit, seeds.init)
      : createBinaryCnn({ size: 32, channels: 3 }, seeds.init);
    // Figure 5 publishes accuracy beside the loss: record both.
    return trainWithFocalLoss(model, data, c, seeds.order, checkpoints, { epochMetrics: true });
  },
  async figures(records, dir) {
    const reference = await figure5Reference();
    // One line per model and seed (repeat r > 0 is another seed).
    const series = (r: RunRecord) =>
      `${String(r.config.model).startsWith("vit") ? "ViT" : "CNN"}${
        r.config.repeat ? `, seed ${r.config.repeat}` : ""
      }`;
    const paths = [`${dir}/figure5.svg`, `${dir}/figure5_accuracy.svg`];
    await writeSvg(
      paths[0],
      lossCurvesSpec(records, {
        title: "Figure 5: CNN and ViT on CIFAR-10 vehicles vs animals, γ = α = 0.5; × = NaN; " +
          "dashed: the paper's CNN",
        series,
        reference,
      }),
    );
    await writeSvg(
      paths[1],
      lossCurvesSpec(records, {
        title: "Figure 5's training accuracy (the official script's count: logit > 0.5); " +
          "× = NaN; dashed: the paper's CNN",
        series,
        reference,
        metric: "accuracy",
      }),
    );
    return paths;
  },
  report: figure5Section,
  datasetSize: CIFAR10_TRAIN_IMAGES,
  publishedRun: publishedCifarRun,
  stepModel: (config) => {
    const vit = config.vit as VitOptions | undefined;
    const large = vit !== undefined && (vit.imageSize ?? 224) > 32;
    return {
      key: vit === undefined
        ? `binary-cnn-a4-32x32x3, batch ${config.batchSize}`
        : `vit-a5 ${vit.imageSize ?? 224}px, patch ${vit.patchSize ?? 16}, width ${
          vit.width ?? 768
        }, depth ${vit.depth ?? 12}, batch ${config.batchSize}`,
      batch: config.batchSize,
      // ViT-Base at 224x224 is timed on one image and scaled to the batch.
      calibrationBatch: large ? 1 : config.batchSize,
      build: (batch) => ({
        model: vit === undefined
          ? createBinaryCnn({ size: 32, channels: 3 }, 1)
          : createVit(vit, 1),
        ...randomBinaryBatch(batch, [32, 32, 3]),
      }),
    };
  },
};
