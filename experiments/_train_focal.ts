// What every experiment's run does once its data and model are built:
// train with the per-sample (or per-pixel) mean sigmoid focal loss of the
// run's config, then free the model and the data.
import * as tf from "@tensorflow/tfjs";
import {
  type TrainableModel,
  trainBinary,
  type TrainBinaryResult,
} from "../lib/train/train_binary.ts";
import { sigmoidFocalLoss, type Stabilization } from "../mod.ts";

/** The fields of a run's config that training reads. */
export interface FocalTrainingConfig {
  gamma: number;
  alpha: number;
  stabilization: Stabilization;
  /** ε of Eq. (11); ignored unless stabilization is "epsilon". */
  epsilon: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/**
 * Trains `model` on `inputs` and `targets` with the focal loss of `config`,
 * shuffling with `seed`, and disposes the model and both tensors afterwards.
 */
export async function trainWithFocalLoss(
  model: TrainableModel & { dispose(): void },
  data: { inputs: tf.Tensor; targets: tf.Tensor },
  config: FocalTrainingConfig,
  seed: number,
): Promise<TrainBinaryResult> {
  const { gamma, alpha, stabilization, epsilon, epochs, batchSize, learningRate } = config;
  try {
    return await trainBinary(model, data.inputs, data.targets, {
      epochs,
      batchSize,
      learningRate,
      seed,
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
    tf.dispose([data.inputs, data.targets]);
  }
}
