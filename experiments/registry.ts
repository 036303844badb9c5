// Every experiment of the paper, by the name the command line uses.
import type { Experiment, ProfileBase } from "./_experiment.ts";
import { cifar10Classification } from "./cifar10_classification/experiment.ts";
import { mnistClassification } from "./mnist_classification/experiment.ts";
import { mnistSegmentation } from "./mnist_segmentation/experiment.ts";
import { variants } from "./variants/experiment.ts";
import { unetHorizon } from "./unet_horizon/experiment.ts";

/** The experiments, in the paper's order, then the one the paper conjectures but does not run. */
export const EXPERIMENTS: Record<Experiment["name"], Experiment<ProfileBase>> = {
  "mnist-classification": mnistClassification as Experiment<ProfileBase>,
  "cifar10-classification": cifar10Classification as Experiment<ProfileBase>,
  "mnist-segmentation": mnistSegmentation as Experiment<ProfileBase>,
  "unet-horizon": unetHorizon as Experiment<ProfileBase>,
  variants: variants as Experiment<ProfileBase>,
};
