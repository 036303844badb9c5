// The CIFAR-10 experiment (Sec. 2.5.2, Figure 5): animals (class A) vs
// vehicles (class B), 6:4, with the CNN of Appendix A.4 on 32×32×3 and a
// ViT (Appendix A.5), γ = α_t = 0.5, original vs stabilized, no noise.
import * as tf from "@tensorflow/tfjs";
import { animalTargets, type Cifar10Split, loadCifar10 } from "../../lib/data/cifar10.ts";
import { stratifiedSample } from "../../lib/data/subsets.ts";
import { createBinaryCnn } from "../../lib/models/binary_cnn.ts";
import { createVit, type VitOptions } from "../../lib/models/vit.ts";
import { type FocalTrainingConfig, trainWithFocalLoss } from "../_train_focal.ts";
import type { Experiment, GridRun } from "../_experiment.ts";
import { renderLossCurves } from "../_loss_curves.ts";
import { type CifarProfile, PROFILES, runGrid } from "./profiles.ts";

/** What the runs share: the chosen images in [0, 1] and their targets. */
export interface CifarContext {
  images: Float32Array;
  targets: Float32Array;
  count: number;
}

/** The profile's training subset of a loaded split. */
export function cifarContext(
  data: Cifar10Split,
  profile: CifarProfile,
  seed: number,
): CifarContext {
  const all = animalTargets(data.labels);
  const indices = stratifiedSample(all, profile.trainSamples, seed);
  const size = 32 * 32 * 3;
  const images = new Float32Array(indices.length * size);
  const targets = new Float32Array(indices.length);
  indices.forEach((src, dst) => {
    for (let k = 0; k < size; k++) images[dst * size + k] = data.images[src * size + k] / 255;
    targets[dst] = all[src];
  });
  return { images, targets, count: indices.length };
}

/** Sec. 2.5.2 / Figure 5 as an experiment of the shared runner. */
export const cifar10Classification: Experiment<CifarProfile, CifarContext> = {
  name: "cifar10-classification",
  title: "CIFAR-10 animals vs vehicles, CNN (A.4) and ViT (A.5) (Sec. 2.5.2, Figure 5)",
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
  prepare: async (profile, { dataDir, seed }) =>
    cifarContext(await loadCifar10("train", { dataDir }), profile, seed),
  train({ images, targets, count }, run: GridRun, seed) {
    const c = run.config as GridRun["config"] & FocalTrainingConfig & { vit?: VitOptions };
    const inputs = tf.tensor4d(images, [count, 32, 32, 3]);
    const labels = tf.tensor1d(targets);
    // Original and stabilized start from the same weights and see the same batches.
    const modelSeed = seed + (c.vit ? 1 : 0);
    const model = c.vit
      ? createVit(c.vit, modelSeed)
      : createBinaryCnn({ size: 32, channels: 3 }, modelSeed);
    return trainWithFocalLoss(model, { inputs, targets: labels }, c, modelSeed);
  },
  async figures(records, dir) {
    const path = `${dir}/figure5.svg`;
    await renderLossCurves(records, path, {
      title: "Figure 5: CNN and ViT on CIFAR-10 animals vs vehicles, γ = α_t = 0.5; × = NaN",
      series: (r) => (String(r.config.model).startsWith("vit") ? "ViT" : "CNN"),
    });
    return [path];
  },
};
