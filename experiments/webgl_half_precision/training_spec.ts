// What the webgl half-precision experiment asks of the browser page that
// trains it (tests/browser/page.ts, trainOnWebgl), and what it answers.
import type { RunOutcome } from "../../lib/results/run_records.ts";
import type { FocalTrainingConfig } from "../_train_focal.ts";

/** A run of the webgl half-precision experiment, as the page trains it. */
export interface WebglTrainingSpec {
  config: FocalTrainingConfig;
  /** The run's seed: weights (seed), noise stream (seed + 1), order (seed + 2). */
  seed: number;
  /** Served float32 targets, one per image of /data/images.bin. */
  targets: string;
}

/** A run's outcome on webgl, with what shows how far it got and whether it still learned. */
export interface WebglTrainingResult extends RunOutcome {
  /** Optimizer steps taken (the NaN step included). */
  steps: number;
  /** Per epoch (the NaN epoch's part included), the largest |logit| given a training image. */
  maxAbsLogit: number[];
  /** Per completed epoch, the share of weights its updates left bit-identical. */
  unchangedWeightShare: number[];
}
