// One training step of the experiments' protocol, as the timings take it:
// a model's logits, the sigmoid focal loss (γ = α = 0.5, mean: the paper's
// settings for Figures 5 and 6) and the paper's SGD with momentum. Shared by
// the plan's calibration (experiments/_calibration.ts) and the benches.
import type * as tf from "@tensorflow/tfjs";
import { sigmoidFocalLoss } from "../losses/sigmoid_focal_loss.ts";
import type { Stabilization } from "../losses/types.ts";
import { createOptimizer, PAPER_OPTIMIZER } from "./optimizer.ts";

/** A model with a batch of inputs and targets. */
export interface StepInputs {
  model: { forward(x: tf.Tensor4D): tf.Tensor; variables: tf.Variable[] };
  x: tf.Tensor4D;
  y: tf.Tensor;
}

/** The step (forward, loss, backward, update) and its optimizer, which the caller disposes. */
export function protocolStep(
  { model, x, y }: StepInputs,
  stabilization?: Stabilization,
): { step: () => void; loss: () => tf.Scalar; optimizer: tf.Optimizer } {
  const optimizer = createOptimizer(PAPER_OPTIMIZER);
  const loss = () =>
    sigmoidFocalLoss(model.forward(x), y, {
      gamma: 0.5,
      alpha: 0.5,
      reduction: "mean",
      ...(stabilization ? { stabilization } : {}),
    }) as tf.Scalar;
  return { step: () => optimizer.minimize(loss, false, model.variables), loss, optimizer };
}
