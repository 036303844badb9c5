// The MNIST segmentation protocol (Sec. 2.5.3, Appendix A.6, Figure 6) as
// data: one place that says what each profile runs. The protocol is the
// official code's: SGD with momentum, all 60,000 images, masks from the clean
// image, then fresh clipped noise per batch.
import type { NoiseLevel } from "../../lib/data/binary_mnist.ts";
import { PAPER_OPTIMIZER } from "../../lib/train/optimizer.ts";
import {
  type GridRun,
  type ProfileBase,
  type Profiles,
  protocolConfig,
  type TrainingProtocol,
} from "../_experiment.ts";

/** One profile of the experiment. */
export interface SegmentationProfile extends ProfileBase, TrainingProtocol {
  noise: readonly NoiseLevel[];
  /** Width of the U-Net's first level (64 in Appendix A.6). */
  width: number;
  /** γ of every run (Sec. 2.5.3: γ = α_t = 0.5; the paper's epochs: 1000). */
  gamma: number;
  /** Pixels above this intensity (in [0, 1]) are foreground (Sec. 2.5.3). */
  maskThreshold: number;
}

/** The paper's protocol for Figure 6, as its official code runs it. */
export const PAPER_PROTOCOL = {
  noise: ["none", "medium", "high"] as const,
  width: 64,
  epochs: 1000,
  trainSamples: null,
  batchSize: 64,
  optimizer: PAPER_OPTIMIZER,
  gamma: 0.5,
  alpha: 0.5,
  epsilon: 1e-3,
  maskThreshold: 0.5,
};

/** Epochs of the default profile's U-Net runs: a width-4 epoch is 938 steps of ~150 ms on a core here (bench/unet_bench.ts). */
const DEFAULT_EPOCHS = 2;

/**
 * Figure 6 at a smaller width (profile `width4`): the narrowest U-Net the
 * horizon measured (results/horizon), whose extrapolated NaN is in epochs
 * 18–92 of 938 steps, capped at about 3 hours of a core here (~0.2 s a step)
 * and at the paper's epoch of its NaN (58) rounded up.
 */
export const SMALL_WIDTH = { width: 4, epochs: 60 } as const;

/**
 * The profiles: `paper` as published, `default` for one small machine,
 * `smoke` for CI, and `width4` (`deno task experiment` only): Figure 6's
 * no-noise pair at width 4 until the original's NaN or the cap.
 */
export const PROFILES: Profiles<SegmentationProfile> = {
  paper: {
    name: "paper",
    description: "As published: the U-Net of A.6 (width 64, 31,042,369 parameters), 1000 epochs, " +
      "all 60,000 images, noise none/medium/high × original/stabilized",
    ...PAPER_PROTOCOL,
  },
  default: {
    name: "default",
    description: "The paper's data, optimizer and noise for its earliest NaN (no noise: " +
      "epoch 58 of the width-64 U-Net), original and stabilized, with a width-4 U-Net " +
      `(122,389 parameters), capped at ${DEFAULT_EPOCHS} epochs of 938 steps`,
    ...PAPER_PROTOCOL,
    noise: ["none"],
    width: 4,
    epochs: DEFAULT_EPOCHS,
  },
  width4: {
    name: "width4",
    description: "Figure 6's no-noise pair, original and stabilized, on all 60,000 images " +
      `with a width-${SMALL_WIDTH.width} U-Net (122,389 parameters; the paper's: 64), capped at ` +
      `${SMALL_WIDTH.epochs} epochs of 938 steps`,
    ...PAPER_PROTOCOL,
    noise: ["none"],
    ...SMALL_WIDTH,
  },
  smoke: {
    name: "smoke",
    description: "Every code path: width 2, 128 images, 2 epochs, noise none/high",
    ...PAPER_PROTOCOL,
    noise: ["none", "high"],
    width: 2,
    epochs: 2,
    trainSamples: 128,
  },
};

/** The runs of a profile: noise × (original, stabilized). */
export function runGrid(profile: SegmentationProfile): GridRun[] {
  return profile.noise.flatMap((noise) =>
    (["none", "epsilon"] as const).map((stabilization) => ({ noise, stabilization }))
  ).map(({ noise, stabilization }, index) => ({
    runId: `noise=${noise}/${stabilization}`,
    index,
    // Original and stabilized start from the same weights and see the same batches.
    pair: `noise=${noise}`,
    config: {
      noise,
      ...protocolConfig(profile, profile.gamma, stabilization),
      maskThreshold: profile.maskThreshold,
      width: profile.width,
      model: `unet-a6-width${profile.width}`,
    },
  }));
}
