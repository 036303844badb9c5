// The reductions of torchvision's `reduction` argument, with one decision of
// our own: the mean of an empty selection is 0 (with a zero gradient), not the
// NaN of `torch.mean`, so that an all-ignored batch cannot poison training.
import * as tf from "@tensorflow/tfjs";
import type { Reduction } from "./types.ts";

/**
 * Reduces per-element losses. `weights`, when given, is a 0/1 mask of the
 * elements that count (ignored elements must already be 0 in `loss`).
 */
export function reduce(
  loss: tf.Tensor,
  reduction: Reduction,
  weights?: tf.Tensor,
): tf.Tensor {
  if (reduction === "none") return loss;
  // Reducing an empty tensor crashes webgpu and reads garbage on wasm; a
  // zero appended keeps the result connected to the loss for tf.grad.
  if (loss.size === 0) return tf.sum(tf.concat([loss.reshape([-1]), tf.zeros([1])]));
  if (reduction === "sum") return loss.sum();
  if (weights === undefined) return loss.mean();
  // max(count, 1): an all-ignored selection sums to 0 and averages to 0.
  return tf.div(loss.sum(), tf.maximum(weights.sum(), 1));
}
