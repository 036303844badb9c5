// The MNIST binary-classification protocol (Sec. 2.5.1, 3.1, Table 1,
// Figure 4) as data: one place that says what each profile runs. The
// protocol is the official code's (shared/paper/published-results/README.md):
// SGD with momentum, all 60,000 images, fresh clipped noise per batch.
import { TABLE1_THRESHOLDS } from "../../lib/data/binary_mnist.ts";
import type { NoiseLevel } from "../../lib/data/binary_mnist.ts";
import { type OptimizerConfig, PAPER_OPTIMIZER } from "../../lib/train/optimizer.ts";
import {
  type GridRun,
  type ProfileBase,
  type Profiles,
  protocolConfig,
  type TrainingProtocol,
} from "../_experiment.ts";

/** One profile of the experiment. */
export interface MnistProfile extends ProfileBase, TrainingProtocol {
  thresholds: readonly number[];
  /** γ values with the original loss only (stable ones: 0 and ≥ 1). */
  stableGammas: readonly number[];
  /** γ values in (0, 1), each with the original and the stabilized loss. */
  unstableGammas: readonly number[];
  noise: readonly NoiseLevel[];
  // trainSamples: drawn per class so that the class A/B ratio of the full
  // set is kept. The paper's epochs: 100; α: the official code's 0.5; ε:
  // Appendix A.3's default.
}

/** The paper's protocol for Figure 4, as its official code runs it. */
export const PAPER_PROTOCOL = {
  thresholds: TABLE1_THRESHOLDS,
  stableGammas: [0, 1, 2, 3, 4, 5],
  unstableGammas: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  noise: ["none", "medium", "high"] as readonly NoiseLevel[],
  epochs: 100,
  trainSamples: null,
  batchSize: 64,
  optimizer: PAPER_OPTIMIZER,
  alpha: 0.5,
  epsilon: 1e-3,
} as const;

/** The profiles: `paper` as published, `default` a full-fidelity sample, `smoke` for CI. */
export const PROFILES: Profiles<MnistProfile> = {
  paper: {
    name: "paper",
    description: "As published: 648 runs × 100 epochs on all 60,000 images, SGD momentum 0.9, " +
      "fresh clipped noise per batch",
    ...PAPER_PROTOCOL,
  },
  default: {
    name: "default",
    description: "A sample of the paper's cells at full fidelity (60,000 images, SGD momentum, " +
      "per-batch noise): thresholds 0, 4, 8 × noise none, high × γ 0, 2 (original) and " +
      "0.1, 0.5, 0.9 (original and stabilized): 48 runs, each capped at 20 of the 100 epochs",
    ...PAPER_PROTOCOL,
    thresholds: [0, 4, 8],
    stableGammas: [0, 2],
    unstableGammas: [0.1, 0.5, 0.9],
    noise: ["none", "high"],
    epochs: 20,
  },
  smoke: {
    name: "smoke",
    description:
      "Every code path: 2 thresholds × 2 noise levels × γ ∈ {0, 0.5, 2}, 2 epochs, 256 images",
    ...PAPER_PROTOCOL,
    thresholds: [0, 4],
    stableGammas: [0, 2],
    unstableGammas: [0.5],
    noise: ["none", "high"],
    epochs: 2,
    trainSamples: 256,
  },
};

/** What a run of this experiment records as its config. */
export type MnistRunConfig = Record<string, unknown> & OptimizerConfig & {
  threshold: number;
  noise: NoiseLevel;
  gamma: number;
  alpha: number;
  stabilization: "none" | "epsilon";
  epsilon: number;
  epochs: number;
  trainSamples: number | null;
  batchSize: number;
  model: "binary-cnn-a4";
};

/** One training run of the grid. */
export interface MnistRun extends GridRun {
  config: MnistRunConfig;
}

/**
 * The runs of a profile, in a fixed order: noise × threshold × (stable γ
 * original; unstable γ original and stabilized).
 */
export function runGrid(profile: MnistProfile): MnistRun[] {
  const runs: MnistRun[] = [];
  for (const noise of profile.noise) {
    for (const threshold of profile.thresholds) {
      const cells: [number, "none" | "epsilon"][] = [
        ...profile.stableGammas.map((g) => [g, "none"] as [number, "none"]),
        ...profile.unstableGammas.flatMap((g) =>
          [[g, "none"], [g, "epsilon"]] as [number, "none" | "epsilon"][]
        ),
      ];
      for (const [gamma, stabilization] of cells) {
        runs.push({
          runId: `noise=${noise}/threshold=${threshold}/gamma=${gamma}/${stabilization}`,
          index: runs.length,
          // The original run and its stabilized twin share weights, order and noise.
          pair: `noise=${noise}/threshold=${threshold}/gamma=${gamma}`,
          config: {
            threshold,
            noise,
            ...protocolConfig(profile, gamma, stabilization),
            model: "binary-cnn-a4",
          },
        });
      }
    }
  }
  return runs;
}
