import type * as tf from "@tensorflow/tfjs";
import type { Reduction, StabilizationOptions } from "./types.ts";
import { binaryFocalLoss } from "./_binary_focal.ts";
import { checkAtLeast } from "./_validate.ts";

/** Options of {@linkcode qualityFocalLoss}. */
export interface QualityFocalLossOptions extends StabilizationOptions {
  /**
   * Exponent β ≥ 0 of the modulating factor |y − σ(x)|^β.
   * @default {2}
   */
  beta?: number;
  /**
   * How the per-element losses are combined.
   * @default {"none"}
   */
  reduction?: Reduction;
}

/**
 * Quality Focal Loss from Generalized Focal Loss (Li et al., 2020), from
 * logits, for soft quality targets y ∈ [0, 1] (e.g. the IoU of a box):
 *
 *   QFL(x, y) = −|y − σ(x)|^β · ((1 − y)·log(1 − σ(x)) + y·log σ(x))
 *
 * For hard targets it is the focal loss of Eq. (2) with γ = β and no α, and
 * for β < 1 it inherits the singularity of Eq. (8), (9) where σ(x) rounds to
 * y. The modes are those of {@linkcode sigmoidFocalLoss}: `"none"` composes
 * the formula with PyTorch autograd semantics (NaN gradient where |y − σ(x)|
 * is 0 and 0 < β < 1), `"epsilon"` uses `(|y − σ(x)| + ε)^β` as Eq. (11), and
 * `"exact"` computes it in log space with an analytic gradient. For a soft
 * target and β < 1 the true derivative is unbounded as σ(x) → y (a cusp of
 * |y − p|^β); `"exact"` is large but finite next to the cusp and 0 on it.
 * Every mode runs the fused sigmoid kernel on cpu, wasm and webgpu.
 *
 * @param logits Raw scores x of any shape, float32.
 * @param targets Quality targets y in [0, 1], float32, the shape of `logits`.
 * @param options β, reduction and stabilization.
 * @returns The loss: the shape of `logits` for `reduction: "none"`, a scalar
 * otherwise.
 * @throws {TypeError} If an input is not a float32 tensor.
 * @throws {RangeError} If β or ε is negative or not finite, or the shapes
 * differ; with `validate: true` also if a target leaves [0, 1] or a logit is
 * not finite.
 *
 * @example Soft IoU targets
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { qualityFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor1d([2.0, -1.0, 0.3]);
 * const iou = tf.tensor1d([0.9, 0, 0.6]);
 * const loss = qualityFocalLoss(logits, iou, { beta: 2, reduction: "sum" });
 * assert.ok(loss.dataSync()[0] > 0);
 * ```
 */
export function qualityFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: QualityFocalLossOptions = {},
): tf.Tensor {
  const {
    beta = 2,
    reduction = "none",
    stabilization = "exact",
    epsilon = 1e-3,
    validate = false,
  } = options;
  checkAtLeast("beta", beta, 0);
  return binaryFocalLoss(
    logits,
    targets,
    { base: "quality", alpha: -1, gamma: beta },
    { reduction, stabilization, epsilon, validate },
  );
}
