/**
 * Options shared by every loss in this package.
 *
 * @module
 */

/**
 * How a loss's per-element values are combined.
 *
 * - `"none"`: one value per element (per sample for softmax).
 * - `"mean"`: the average; the mean of an empty selection is 0, not NaN.
 * - `"sum"`: the sum.
 */
export type Reduction = "none" | "mean" | "sum";

/**
 * How the modulating factor `(1 − p_t)^γ` is evaluated.
 *
 * - `"none"`: the original focal loss, Eq. (2), composed as
 *   `torchvision.ops.sigmoid_focal_loss` composes it, with the gradient PyTorch
 *   autograd gives it: NaN where the prediction saturates and 0 < γ < 1.
 * - `"epsilon"`: the paper's stabilized loss, Eq. (11):
 *   `(1 − p_t + ε)^γ`. With ε = 0 it is `"none"`.
 * - `"exact"`: the values of Eq. (2) computed in log space, with an analytic
 *   gradient in logit space in which the singular factor of Eq. (4)/(5)
 *   cancels. Finite for every γ ≥ 0 and finite logit; no ε bias.
 */
export type Stabilization = "exact" | "epsilon" | "none";

/** Options every focal loss accepts. */
export interface StabilizationOptions {
  /**
   * How the modulating factor is evaluated (see {@linkcode Stabilization}).
   * @default {"exact"}
   */
  stabilization?: Stabilization;
  /**
   * The smoothing constant ε of Eq. (11); used by `"epsilon"` only.
   * @default {1e-3}
   */
  epsilon?: number;
  /**
   * Also check tensor contents (target range, class indices, finite logits).
   * These checks read the tensors back from the device, which stalls an
   * asynchronous training loop, so they are off unless asked for.
   * @default {false}
   */
  validate?: boolean;
}
