import type * as tf from "@tensorflow/tfjs";
import type { Reduction, StabilizationOptions } from "./types.ts";
import { binaryFocalLoss } from "./_binary_focal.ts";
import { checkAtLeast, checkFinite } from "./_validate.ts";

/** Options of {@linkcode sigmoidFocalLoss}. */
export interface SigmoidFocalLossOptions extends StabilizationOptions {
  /**
   * Weight α of the positive class; α_t = α·t + (1 − α)·(1 − t). A negative
   * value switches the weighting off, as in torchvision.
   * @default {0.25}
   */
  alpha?: number;
  /**
   * Focusing parameter γ ≥ 0 of the modulating factor (1 − p_t)^γ.
   * @default {2}
   */
  gamma?: number;
  /**
   * How the per-element losses are combined.
   * @default {"none"}
   */
  reduction?: Reduction;
}

/**
 * The sigmoid focal loss of Lin et al. (2017), Eq. (2) of van Leeuwen et al.,
 * "A Note On The Stability Of The Focal Loss", from logits:
 *
 *   FL(x, t) = −α_t · (1 − p_t)^γ · log p_t,  p = σ(x) (Eq. (10)),
 *   p_t = p·t + (1 − p)·(1 − t)
 *
 * with soft targets t ∈ [0, 1] allowed (then −log p_t is the binary cross
 * entropy, as in torchvision). For 0 < γ < 1 the gradient of the original
 * form is singular where p_t = 1 (Eq. (8), (9)), which float32 reaches at
 * |x| ≈ 17; `stabilization` chooses how that is handled:
 *
 * - `"exact"` (default): the original values, computed in log space, with the
 *   analytic gradient in logit space, finite everywhere and without bias.
 * - `"epsilon"`: the paper's Eq. (11), `(1 − p_t + ε)^γ` (Appendix A.3).
 * - `"none"`: `torchvision.ops.sigmoid_focal_loss` and its PyTorch autograd
 *   gradient, NaN included, on every backend.
 *
 * Cost: one pass of ~20 elementwise ops forward and ~30 backward.
 *
 * @param logits Raw scores x of any shape, float32.
 * @param targets Targets t in [0, 1], float32, the shape of `logits`.
 * @param options Hyperparameters, reduction and stabilization.
 * @returns The loss: the shape of `logits` for `reduction: "none"`, a scalar
 * otherwise.
 * @throws {TypeError} If an input is not a float32 tensor.
 * @throws {RangeError} If a hyperparameter is out of range or the shapes
 * differ; with `validate: true` also if a target leaves [0, 1] or a logit is
 * not finite.
 *
 * @example Stable gradients where the original is NaN
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { sigmoidFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor1d([-2, 0.5, 30]);
 * const targets = tf.tensor1d([0, 1, 1]);
 * const grad = tf.grad((x: tf.Tensor) =>
 *   sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "sum" })
 * );
 * const exact = grad(logits).dataSync();
 * assert.ok(exact.every(Number.isFinite));
 * const original = tf.grad((x: tf.Tensor) =>
 *   sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "sum", stabilization: "none" })
 * )(logits).dataSync();
 * assert.ok(Number.isNaN(original[2])); // p_t rounds to 1 at x = 30
 * ```
 */
export function sigmoidFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: SigmoidFocalLossOptions = {},
): tf.Tensor {
  const {
    alpha = 0.25,
    gamma = 2,
    reduction = "none",
    stabilization = "exact",
    epsilon = 1e-3,
    validate = false,
  } = options;
  checkFinite("alpha", alpha);
  if (alpha > 1) {
    throw new RangeError(
      `'alpha' must be in [0, 1], or negative to disable weighting: received ${alpha}`,
    );
  }
  checkAtLeast("gamma", gamma, 0);
  return binaryFocalLoss(
    logits,
    targets,
    { base: "pt", alpha, gamma },
    { reduction, stabilization, epsilon, validate },
  );
}
