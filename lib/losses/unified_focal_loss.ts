import * as tf from "@tensorflow/tfjs";
import type { StabilizationOptions } from "./types.ts";
import { fusedUnifiedFocalLoss } from "./_unified_fused.ts";
import { unifiedParts } from "./unified_parts.ts";
import {
  focalKernelAvailable,
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
} from "../kernels/focal/focal_kernels.ts";
import {
  checkContentsSync,
  checkFinite,
  checkFloatTensor,
  checkSameShape,
  checkStabilization,
  checkUnitInterval,
} from "./_validate.ts";

export { TVERSKY_SMOOTH } from "./_tversky.ts";

/** Options of {@linkcode unifiedFocalLoss}. */
export interface UnifiedFocalLossOptions extends StabilizationOptions {
  /**
   * λ ∈ [0, 1]: the weight of the asymmetric focal Tversky loss; the
   * asymmetric focal loss gets 1 − λ.
   * @default {0.5}
   */
  weight?: number;
  /**
   * δ ∈ [0, 1]: the weight of the rare (foreground) class in both parts, and
   * of false negatives against false positives in the Tversky index.
   * @default {0.6}
   */
  delta?: number;
  /**
   * γ ∈ (0, 1]: background suppression in the focal part, (1 − TI)^(1 − γ)
   * enhancement in the Tversky part.
   * @default {0.5}
   */
  gamma?: number;
}

/**
 * The asymmetric Unified Focal Loss of Yeung et al. (2022) for binary
 * segmentation, from per-pixel logits x (p = σ(x)) and masks y ∈ [0, 1]
 * whose first axis is the batch:
 *
 *   L_aF  = mean_pixels[ −δ·y·log p − (1 − δ)·(1 − y)·(1 − p̄)^γ·log(1 − p) ]
 *   TI_c  = (TP_c + s) / (TP_c + δ·FN_c + (1 − δ)·FP_c + s)   per image, class c
 *   L_aFT = mean_images[ ((1 − TI_bg) + (1 − TI_fg)^(1 − γ)) / 2 ]
 *   L_aUF = λ·L_aFT + (1 − λ)·L_aF
 *
 * (s = {@linkcode TVERSKY_SMOOTH}). p̄ = 1 − p is the background channel's
 * probability: Yeung et al.'s code takes a two-channel output and raises
 * 1 − p̄ to γ, so the focal factor is 1 − (1 − p) as the original mode
 * computes it, not p. The two are equal in exact arithmetic, not in float32:
 * 1 − (1 − p) is 0 as soon as 1 − p rounds to 1 (p < 2^−25, x < −17.3),
 * while p itself stays positive down to x ≈ −103. By design γ ∈ (0, 1] — the
 * range in which the paper shows the focal factor is unstable: the derivative
 * of (1 − p̄)^γ is singular where that factor rounds to 0 (Eq. (9)), which
 * this form reaches at x < −17.3, and that of (1 − TI)^(1 − γ) where TI
 * rounds to 1. The modes:
 *
 * - `"exact"` (default): the factor as p^γ = exp(−γ·softplus(−x)), its exact
 *   value, and log(1 − TI) = log D − log(TP + s + D) with
 *   D = δ·FN + (1 − δ)·FP summed from σ(±x) = exp(−softplus(∓x)); no factor
 *   can round to 0, and autograd through these forms is finite.
 * - `"epsilon"`: the factors of Eq. (11), (1 − (1 − p) + ε)^γ and
 *   (1 − TI + ε)^(1 − γ).
 * - `"none"`: the formula composed naively in float32 as the reference code
 *   does, 1 − (1 − p) included, with PyTorch's pow gradient (NaN at a
 *   singular factor).
 *
 * Unlike the reference code, predictions are not clipped to [1e-7, 1 − 1e-7]:
 * clipping zeroes the gradient of every saturated pixel.
 *
 * Every mode runs as two fused kernels on cpu, wasm and webgpu (per-image
 * sums, then the gradient), equal to the composition above; inside a
 * recorded gradient (second derivatives) the composition itself runs.
 *
 * @param logits Per-pixel logits [batch, ...], float32.
 * @param targets Masks in [0, 1], float32, the shape of `logits`.
 * @param options λ, δ, γ and stabilization.
 * @returns The scalar loss.
 * @throws {TypeError} If an input is not a float32 tensor.
 * @throws {RangeError} If λ or δ leave [0, 1], γ leaves (0, 1], ε is
 * negative, or the shapes differ or have no batch axis; with
 * `validate: true` also if a mask value leaves [0, 1] or a logit is not
 * finite.
 *
 * @example One 2×2 mask
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { unifiedFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor4d([[[[2], [-1]], [[0.5], [-3]]]]);
 * const masks = tf.tensor4d([[[[1], [0]], [[1], [0]]]]);
 * const loss = unifiedFocalLoss(logits, masks, { weight: 0.5, delta: 0.6, gamma: 0.5 });
 * // The value of the authors' composition (tests/fixtures/make_torch_fixtures.py's) here:
 * assert.ok(loss.rank === 0 && Math.abs(loss.dataSync()[0] - 0.21793) < 1e-4);
 * ```
 */
export function unifiedFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: UnifiedFocalLossOptions = {},
): tf.Tensor {
  const {
    weight = 0.5,
    delta = 0.6,
    gamma = 0.5,
    stabilization = "exact",
    epsilon = 1e-3,
    validate = false,
  } = options;
  checkFloatTensor("logits", logits);
  checkFloatTensor("targets", targets);
  checkSameShape(logits, targets, "logits", "targets");
  if (logits.rank < 2) {
    throw new RangeError(
      `'logits' must have a batch axis and at least one pixel axis: received rank ${logits.rank}`,
    );
  }
  checkUnitInterval("weight", weight);
  checkUnitInterval("delta", delta);
  checkFinite("gamma", gamma);
  if (!(gamma > 0 && gamma <= 1)) {
    throw new RangeError(`'gamma' must be in (0, 1]: received ${gamma}`);
  }
  checkFinite("epsilon", epsilon);
  if (epsilon < 0) throw new RangeError(`'epsilon' must be >= 0: received ${epsilon}`);
  checkStabilization(stabilization);
  if (validate) checkContentsSync(logits, targets);
  return tf.tidy(() => {
    // The fused kernels, unless this call is inside a recorded gradient
    // (second derivatives), which needs the differentiable composition.
    if (
      tf.engine().state.gradientDepth <= 1 && logits.size > 0 &&
      focalKernelAvailable(UNIFIED_FOCAL_SUMS_KERNEL) &&
      focalKernelAvailable(UNIFIED_FOCAL_GRAD_KERNEL)
    ) {
      return fusedUnifiedFocalLoss(logits, targets, {
        weight,
        delta,
        gamma,
        epsilon: stabilization === "epsilon" ? epsilon : 0,
        exact: stabilization === "exact",
      });
    }
    const parts = unifiedParts(logits, targets, { delta, gamma, stabilization, epsilon });
    return tf.add(tf.mul(weight, parts.tversky), tf.mul(1 - weight, parts.focal));
  });
}
