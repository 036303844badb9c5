// The MNIST segmentation protocol (Sec. 2.5.3, Appendix A.6, Figure 6) as
// data: one place that says what each profile runs.
import type { NoiseLevel } from "../../lib/data/binary_mnist.ts";
import type { GridRun, ProfileBase } from "../_experiment.ts";

/** One profile of the experiment. */
export interface SegmentationProfile extends ProfileBase {
  noise: readonly NoiseLevel[];
  /** Width of the U-Net's first level (64 in Appendix A.6). */
  width: number;
  epochs: number;
  /** Training images (seeded subset of the 60,000), or null for all. */
  trainSamples: number | null;
  batchSize: number;
  learningRate: number;
  /** γ and α_t (Sec. 2.5.3: both 0.5). */
  gamma: number;
  alpha: number;
  /** ε of the stabilized loss, Eq. (11). */
  epsilon: number;
  /** Pixels above this intensity (in [0, 1]) are foreground (Sec. 2.5.3). */
  maskThreshold: number;
}

const PAPER_PROTOCOL = {
  noise: ["none", "medium", "high"] as const,
  batchSize: 64,
  learningRate: 1e-3,
  gamma: 0.5,
  alpha: 0.5,
  epsilon: 1e-3,
  maskThreshold: 0.5,
};

/** The profiles: `paper` as published, `default` for one small machine, `smoke` for CI. */
export const PROFILES: Record<SegmentationProfile["name"], SegmentationProfile> = {
  paper: {
    name: "paper",
    description: "As published: the U-Net of A.6 (width 64, 31,042,369 parameters), 1000 epochs, " +
      "all 60,000 images, noise none/medium/high × original/stabilized",
    ...PAPER_PROTOCOL,
    width: 64,
    epochs: 1000,
    trainSamples: null,
  },
  default: {
    name: "default",
    description: "The same 6 runs with a width-4 U-Net (122,389 parameters) on 1,024 images " +
      "for 50 epochs (800 steps)",
    ...PAPER_PROTOCOL,
    width: 4,
    epochs: 50,
    trainSamples: 1024,
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
    config: {
      noise,
      gamma: profile.gamma,
      alpha: profile.alpha,
      stabilization,
      epsilon: stabilization === "epsilon" ? profile.epsilon : 0,
      epochs: profile.epochs,
      trainSamples: profile.trainSamples,
      batchSize: profile.batchSize,
      learningRate: profile.learningRate,
      maskThreshold: profile.maskThreshold,
      width: profile.width,
      model: `unet-a6-width${profile.width}`,
    },
  }));
}
