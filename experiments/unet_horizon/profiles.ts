// How far each U-Net width is from the original loss's NaN (not in the
// paper; issue "Figure 6 within reach"): the no-noise original run of
// Figure 6's protocol (SGD with momentum, all 60,000 images, γ = α = 0.5)
// at several widths for a few epochs each, recording per epoch how close
// the background and foreground logits came to float32's saturation.
import {
  type GridRun,
  type ProfileBase,
  type Profiles,
  protocolConfig,
  type TrainingProtocol,
} from "../_experiment.ts";
import { PAPER_PROTOCOL } from "../mnist_segmentation/profiles.ts";

/** One profile: the widths, each trained for the protocol's epochs. */
export interface HorizonProfile extends ProfileBase, TrainingProtocol {
  widths: readonly number[];
  gamma: number;
  maskThreshold: number;
}

/** Figure 6's protocol, no noise, original loss: a few epochs instead of 1,000. */
const PROTOCOL = {
  trainSamples: PAPER_PROTOCOL.trainSamples,
  batchSize: PAPER_PROTOCOL.batchSize,
  optimizer: PAPER_PROTOCOL.optimizer,
  gamma: PAPER_PROTOCOL.gamma,
  alpha: PAPER_PROTOCOL.alpha,
  epsilon: PAPER_PROTOCOL.epsilon,
  maskThreshold: PAPER_PROTOCOL.maskThreshold,
};

export const PROFILES: Profiles<HorizonProfile> = {
  paper: {
    name: "paper",
    description: "Widths 4, 8 and 16, 5 epochs each of Figure 6's no-noise original",
    ...PROTOCOL,
    widths: [4, 8, 16],
    epochs: 5,
  },
  default: {
    name: "default",
    description: "Width 4, 1 epoch of Figure 6's no-noise original (the paper profile has more)",
    ...PROTOCOL,
    widths: [4],
    epochs: 1,
  },
  smoke: {
    name: "smoke",
    description: "Every code path: width 2, 64 images, 2 epochs",
    ...PROTOCOL,
    widths: [2],
    epochs: 2,
    trainSamples: 64,
  },
};

/** One run per width: the segmentation experiment's config, noise none, original loss. */
export function runGrid(profile: HorizonProfile): GridRun[] {
  return profile.widths.map((width, index) => ({
    runId: `width=${width}/none`,
    index,
    pair: `width=${width}`,
    config: {
      noise: "none",
      ...protocolConfig(profile, profile.gamma, "none"),
      maskThreshold: profile.maskThreshold,
      width,
      model: `unet-a6-width${width}`,
    },
  }));
}
