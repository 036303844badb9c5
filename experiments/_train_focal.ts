// What every experiment's run does once its data and model are built:
// train with the per-sample (or per-pixel) mean sigmoid focal loss of the
// run's config and its optimizer, then free the model.
import type { RunOutcome } from "../lib/results/run_records.ts";
import type * as tf from "@tensorflow/tfjs";
import type { BinaryBatches } from "../lib/data/image_batches.ts";
import {
  type TrainableModel,
  trainBinary,
  type TrainingCheckpoints,
} from "../lib/train/train_binary.ts";
import type { OptimizerConfig } from "../lib/train/optimizer.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";

/** The fields of a run's config that training reads. */
export type FocalTrainingConfig = OptimizerConfig & {
  gamma: number;
  alpha: number;
  stabilization: Stabilization;
  /** ε of Eq. (11); ignored unless stabilization is "epsilon". */
  epsilon: number;
  /** The run's epochs: the protocol's, or a cap below it. */
  epochs: number;
  batchSize: number;
};

/** The optimizer fields of a run's config, as lib/train/optimizer.ts takes them. */
export function optimizerOf(config: OptimizerConfig): OptimizerConfig {
  return config.optimizer === "sgd"
    ? { optimizer: "sgd", learningRate: config.learningRate, momentum: config.momentum }
    : { optimizer: "adam", learningRate: config.learningRate };
}

/**
 * Trains `model` on the batches of `data` with the focal loss and optimizer
 * of `config`, shuffling with `seed` (resuming and saving through
 * `checkpoints` when given), and disposes the model afterwards.
 * `epochMetrics`: record each epoch's accuracy and logit range (a classifier);
 * `saturationMetrics`: with them, how close each target's logits came to
 * float32's saturation (a segmentation's horizon to the NaN).
 */
export async function trainWithFocalLoss(
  model: TrainableModel & { dispose(): void },
  data: BinaryBatches,
  config: FocalTrainingConfig,
  seed: number,
  checkpoints?: TrainingCheckpoints,
  { epochMetrics = false, saturationMetrics = false }: {
    epochMetrics?: boolean;
    saturationMetrics?: boolean;
  } = {},
): Promise<RunOutcome> {
  const { gamma, alpha, stabilization, epsilon, epochs, batchSize } = config;
  try {
    return await trainBinary(model, data, {
      epochs,
      batchSize,
      optimizer: optimizerOf(config),
      seed,
      checkpoints,
      epochMetrics,
      saturationMetrics,
      loss: (logits, y) =>
        sigmoidFocalLoss(logits, y, {
          gamma,
          alpha,
          stabilization,
          epsilon,
          reduction: "mean",
        }) as tf.Scalar,
    });
  } finally {
    model.dispose();
  }
}
