// The CIFAR-10 binary-classification protocol (Sec. 2.5.2, Appendix A.4 and
// A.5, Figure 5) as data: one place that says what each profile runs.
import type { VitOptions } from "../../lib/models/vit.ts";
import type { GridRun, ProfileBase } from "../_experiment.ts";

/** One profile of the experiment. */
export interface CifarProfile extends ProfileBase {
  /** The ViT's architecture (the paper's: vit-base-patch16-224). */
  vit: VitOptions;
  epochs: number;
  /** Training images (seeded subset of the 50,000, class ratio kept), or null for all. */
  trainSamples: number | null;
  batchSize: number;
  learningRate: number;
  /** γ and α_t (Sec. 2.5.2: both 0.5). */
  gamma: number;
  alpha: number;
  /** ε of the stabilized loss, Eq. (11). */
  epsilon: number;
}

const PAPER_PROTOCOL = {
  batchSize: 128,
  learningRate: 1e-3,
  gamma: 0.5,
  alpha: 0.5,
  epsilon: 1e-3,
};

/** The profiles: `paper` as published, `default` for one small machine, `smoke` for CI. */
export const PROFILES: Record<CifarProfile["name"], CifarProfile> = {
  paper: {
    name: "paper",
    description: "As published: the CNN of A.4 and ViT-Base/16 at 224×224 (85,799,425 " +
      "parameters), 1000 epochs, batch 128, all 50,000 images, original/stabilized",
    ...PAPER_PROTOCOL,
    vit: {},
    epochs: 1000,
    trainSamples: null,
  },
  default: {
    name: "default",
    description: "The CNN and a small ViT (32×32, patch 4, width 64, depth 4, 4 heads), " +
      "5,000 images, 10 epochs",
    ...PAPER_PROTOCOL,
    vit: { imageSize: 32, patchSize: 4, width: 64, depth: 4, heads: 4 },
    epochs: 10,
    trainSamples: 5000,
  },
  smoke: {
    name: "smoke",
    description: "Every code path: the CNN and a one-block ViT, 256 images, 2 epochs",
    ...PAPER_PROTOCOL,
    vit: { imageSize: 32, patchSize: 8, width: 16, depth: 1, heads: 2 },
    epochs: 2,
    trainSamples: 256,
  },
};

/** The runs of a profile: model (CNN, ViT) × (original, stabilized). */
export function runGrid(profile: CifarProfile): GridRun[] {
  return (["cnn", "vit"] as const).flatMap((model) =>
    (["none", "epsilon"] as const).map((stabilization) => ({ model, stabilization }))
  ).map(({ model, stabilization }, index) => ({
    runId: `model=${model}/${stabilization}`,
    index,
    config: {
      noise: "none",
      gamma: profile.gamma,
      alpha: profile.alpha,
      stabilization,
      epsilon: stabilization === "epsilon" ? profile.epsilon : 0,
      epochs: profile.epochs,
      trainSamples: profile.trainSamples,
      batchSize: profile.batchSize,
      learningRate: profile.learningRate,
      model: model === "cnn" ? "binary-cnn-a4-32x32x3" : "vit-a5",
      ...(model === "vit" ? { vit: profile.vit } : {}),
    },
  }));
}
