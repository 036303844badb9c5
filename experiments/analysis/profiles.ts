// Figures 1 and 2 of the paper as data: what each profile computes. No
// training: Figure 1 is float64 arithmetic, Figure 2 the gradient through
// tfjs on each backend, and its precision grid the same in float16 and
// bfloat16 (emulated, and webgl's half-float textures in Chromium).
import type { BackendName } from "../../lib/backends/use_backend.ts";
import type { ProfileName } from "../_experiment.ts";
import type { Figure1Options } from "../../lib/analysis/figure1_curves.ts";
import type { Figure2PrecisionOptions } from "../../lib/analysis/figure2_precision.ts";

/** Figure 1's curves: the paper's five γ. */
export const FIGURE1: Figure1Options = { gammas: [0, 0.5, 1, 2, 5] };

/** Figure 2's curves: fewer γ and a coarser grid than the NaN incidence count (bench). */
export const FIGURE2 = {
  gammas: [0, 0.5, 2],
  grid: { start: -38, stop: 38, step: 0.1 },
};

/** The precision grid's quick form: three γ and one ε. */
export const PRECISION_QUICK: Omit<Figure2PrecisionOptions, "precision"> = {
  gammas: [0, 0.5, 2],
  epsilons: [1e-3],
};

/** What one profile of the analysis computes. */
export interface AnalysisProfile {
  name: ProfileName;
  description: string;
  /** Figure 2 is swept once per backend, each in a process of its own. */
  backends: readonly BackendName[];
  /** The precision grid with PRECISION_QUICK's γ and ε, instead of all of them. */
  quickPrecision: boolean;
}

const BACKENDS: readonly BackendName[] = ["cpu", "wasm", "webgpu"];

export const PROFILES: Record<ProfileName, AnalysisProfile> = {
  paper: {
    name: "paper",
    description: "Figures 1 and 2 on every backend, the whole precision grid",
    backends: BACKENDS,
    quickPrecision: false,
  },
  default: {
    name: "default",
    description: "Figures 1 and 2 on every backend, the whole precision grid",
    backends: BACKENDS,
    quickPrecision: false,
  },
  smoke: {
    name: "smoke",
    description: "Figures 1 and 2 on every backend, the precision grid at three γ and one ε",
    backends: BACKENDS,
    quickPrecision: true,
  },
};
