// (Not in the paper.) The U-Net horizon as an experiment of the shared
// runner: Figure 6's no-noise original at each width of the profile, its
// data, training and step model the segmentation experiment's, recording
// each epoch's saturation metrics (trainSegmentation).
import type { Experiment } from "../_experiment.ts";
import {
  mnistSegmentation,
  type SegmentationContext,
  trainSegmentation,
} from "../mnist_segmentation/experiment.ts";
import { type HorizonProfile, PROFILES, runGrid } from "./profiles.ts";
import { horizonSection } from "./report.ts";
import { renderHorizon } from "./figure.ts";
import { horizonPlanNotes } from "./plan.ts";

export const unetHorizon: Experiment<HorizonProfile, SegmentationContext> = {
  name: "unet-horizon",
  title: "(Not in the paper.) U-Net widths: how far each is from the original loss's NaN",
  profiles: PROFILES,
  grid: runGrid,
  unavailable: () => Promise.resolve(null),
  // The segmentation experiment's images, all of them or a seeded subset.
  prepare: (profile, options) =>
    mnistSegmentation.prepare({ ...mnistSegmentation.profiles.paper, ...profile }, options),
  train: trainSegmentation,
  figures: async (records, dir) => [await renderHorizon(records, dir)],
  report: horizonSection,
  datasetSize: mnistSegmentation.datasetSize,
  // The paper published no run at these widths.
  publishedRun: () => undefined,
  stepModel: mnistSegmentation.stepModel,
  planNotes: () => horizonPlanNotes(),
};
