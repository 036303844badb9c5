// Which optimizer a training run uses, as data a run records, and the
// tfjs optimizer it stands for. The paper's protocol is SGD with momentum
// (PAPER_OPTIMIZER); Adam stays available as a named alternative.
import type * as tf from "@tensorflow/tfjs";
import { createAdam } from "./adam.ts";
import { createMomentum } from "./momentum.ts";

/** SGD with momentum and its hyperparameters. */
export type SgdConfig = { optimizer: "sgd"; learningRate: number; momentum: number };

/** An optimizer and its hyperparameters, as a run's config records them. */
export type OptimizerConfig = SgdConfig | { optimizer: "adam"; learningRate: number };

/**
 * The optimizer of the paper's official code: torch.optim.SGD with
 * lr = 1e-3 and momentum = 0.9 (no dampening, Nesterov or weight decay).
 */
export const PAPER_OPTIMIZER: SgdConfig = {
  optimizer: "sgd",
  learningRate: 1e-3,
  momentum: 0.9,
};

/** The tfjs optimizer of `config`, with its one-kernel update on wasm. */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  return config.optimizer === "sgd"
    ? createMomentum(config.learningRate, config.momentum)
    : createAdam(config.learningRate);
}
