// The MNIST binary-classification protocol (Sec. 2.5.1, 3.1, Table 1,
// Figure 4) as data: one place that says what each profile runs.
import { TABLE1_THRESHOLDS } from "../../lib/data/binary_mnist.ts";
import type { NoiseLevel } from "../../lib/data/binary_mnist.ts";
import type { GridRun, ProfileBase } from "../_experiment.ts";

/** One profile of the experiment. */
export interface MnistProfile extends ProfileBase {
  thresholds: readonly number[];
  /** γ values with the original loss only (stable ones: 0 and ≥ 1). */
  stableGammas: readonly number[];
  /** γ values in (0, 1), each with the original and the stabilized loss. */
  unstableGammas: readonly number[];
  noise: readonly NoiseLevel[];
  epochs: number;
  /**
   * Training images per run, drawn per class so that the class A/B ratio
   * of the full set is kept; null for the full 60,000.
   */
  trainSamples: number | null;
  batchSize: number;
  learningRate: number;
  /** α of the focal loss (α_t = 0.5: the paper's figures; not stated for Figure 4). */
  alpha: number;
  /** ε of the stabilized loss, Eq. (11) (Appendix A.3's default). */
  epsilon: number;
}

const PAPER_UNSTABLE = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The profiles: `paper` as published, `default` for one small machine, `smoke` for CI. */
export const PROFILES: Record<MnistProfile["name"], MnistProfile> = {
  paper: {
    name: "paper",
    description: "As published: 648 runs, 100 epochs, all 60,000 training images",
    thresholds: TABLE1_THRESHOLDS,
    stableGammas: [0, 1, 2, 3, 4, 5],
    unstableGammas: PAPER_UNSTABLE,
    noise: ["none", "medium", "high"],
    epochs: 100,
    trainSamples: null,
    batchSize: 64,
    learningRate: 1e-3,
    alpha: 0.5,
    epsilon: 1e-3,
  },
  default: {
    name: "default",
    description:
      "The same 648-run grid on 2,000 images (class ratios kept) for 8 epochs: within 30 min on 2 cores (259 s here on wasm, 2 workers)",
    thresholds: TABLE1_THRESHOLDS,
    stableGammas: [0, 1, 2, 3, 4, 5],
    unstableGammas: PAPER_UNSTABLE,
    noise: ["none", "medium", "high"],
    epochs: 8,
    trainSamples: 2000,
    batchSize: 64,
    learningRate: 1e-3,
    alpha: 0.5,
    epsilon: 1e-3,
  },
  smoke: {
    name: "smoke",
    description:
      "Every code path: 2 thresholds × 2 noise levels × γ ∈ {0, 0.5, 2}, 2 epochs, 256 images",
    thresholds: [0, 4],
    stableGammas: [0, 2],
    unstableGammas: [0.5],
    noise: ["none", "high"],
    epochs: 2,
    trainSamples: 256,
    batchSize: 64,
    learningRate: 1e-3,
    alpha: 0.5,
    epsilon: 1e-3,
  },
};

/** What a run of this experiment records as its config. */
export interface MnistRunConfig extends Record<string, unknown> {
  threshold: number;
  noise: NoiseLevel;
  gamma: number;
  alpha: number;
  stabilization: "none" | "epsilon";
  epsilon: number;
  epochs: number;
  trainSamples: number | null;
  batchSize: number;
  learningRate: number;
  model: "binary-cnn-a4";
}

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
          config: {
            threshold,
            noise,
            gamma,
            alpha: profile.alpha,
            stabilization,
            epsilon: stabilization === "epsilon" ? profile.epsilon : 0,
            epochs: profile.epochs,
            trainSamples: profile.trainSamples,
            batchSize: profile.batchSize,
            learningRate: profile.learningRate,
            model: "binary-cnn-a4",
          },
        });
      }
    }
  }
  return runs;
}
