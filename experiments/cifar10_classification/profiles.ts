// The CIFAR-10 binary-classification protocol (Sec. 2.5.2, Appendix A.4 and
// A.5, Figure 5) as data: one place that says what each profile runs. The
// protocol is the official code's: vehicles are target 1, inputs
// (x − 0.5)/0.5, SGD with momentum, all 50,000 images, batch 128.
import type { VitOptions } from "../../lib/models/vit.ts";
import { PAPER_OPTIMIZER } from "../../lib/train/optimizer.ts";
import {
  type GridRun,
  type ProfileBase,
  type Profiles,
  protocolConfig,
  type TrainingProtocol,
} from "../_experiment.ts";

/** One profile of the experiment. */
export interface CifarProfile extends ProfileBase, TrainingProtocol {
  /** The ViT's architecture (the paper's: vit-base-patch16-224). */
  vit: VitOptions;
  /**
   * The ViT runs' cap and images, where they differ from the CNN's (the
   * protocol's `epochs` and `trainSamples`): the default's small ViT is an
   * analogue, trained on a stratified sample to fit its time.
   */
  vitRuns: { epochs: number; trainSamples: number | null };
  /** γ of every run (Sec. 2.5.2: γ = α_t = 0.5; the paper's epochs: 1000; trainSamples keep the class ratio). */
  gamma: number;
  normalize: { mean: number; std: number };
}

/** The paper's protocol for Figure 5, as its official code runs it. */
export const PAPER_PROTOCOL = {
  epochs: 1000,
  trainSamples: null,
  batchSize: 128,
  optimizer: PAPER_OPTIMIZER,
  /** The inputs' normalization: (x − 0.5)/0.5 (torchvision's Normalize). */
  normalize: { mean: 0.5, std: 0.5 },
  gamma: 0.5,
  alpha: 0.5,
  epsilon: 1e-3,
};

/** The profiles: `paper` as published, `default` for one small machine, `smoke` for CI. */
export const PROFILES: Profiles<CifarProfile> = {
  paper: {
    name: "paper",
    description: "As published: the CNN of A.4 and ViT-Base/16 at 224×224 (85,799,425 " +
      "parameters), 1000 epochs, batch 128, all 50,000 images, original/stabilized",
    ...PAPER_PROTOCOL,
    vit: {},
    vitRuns: { epochs: PAPER_PROTOCOL.epochs, trainSamples: null },
  },
  default: {
    name: "default",
    description: "The paper's optimizer and batch: the CNN on all 50,000 images capped at 20 " +
      "of the 1000 epochs; an analogue of the ViT (32×32, patch 4, width 64, depth 4, 4 heads) " +
      "on a stratified sample of 1,024 images for 10 epochs",
    ...PAPER_PROTOCOL,
    vit: { imageSize: 32, patchSize: 4, width: 64, depth: 4, heads: 4 },
    epochs: 20,
    vitRuns: { epochs: 10, trainSamples: 1024 },
  },
  smoke: {
    name: "smoke",
    description: "Every code path: the CNN and a one-block ViT, 256 images, 2 epochs",
    ...PAPER_PROTOCOL,
    vit: { imageSize: 32, patchSize: 8, width: 16, depth: 1, heads: 2 },
    epochs: 2,
    trainSamples: 256,
    vitRuns: { epochs: 2, trainSamples: 256 },
  },
};

/** The runs of a profile: model (CNN, ViT) × (original, stabilized). */
export function runGrid(profile: CifarProfile): GridRun[] {
  return (["cnn", "vit"] as const).flatMap((model) =>
    (["none", "epsilon"] as const).map((stabilization) => ({ model, stabilization }))
  ).map(({ model, stabilization }, index) => ({
    runId: `model=${model}/${stabilization}`,
    index,
    // Original and stabilized start from the same weights and see the same batches.
    pair: `model=${model}`,
    config: {
      noise: "none",
      ...protocolConfig(
        model === "cnn" ? profile : { ...profile, ...profile.vitRuns },
        profile.gamma,
        stabilization,
      ),
      normalize: profile.normalize,
      model: model === "cnn" ? "binary-cnn-a4-32x32x3" : "vit-a5",
      ...(model === "vit" ? { vit: profile.vit } : {}),
    },
  }));
}
