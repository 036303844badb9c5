/**
 * Numerically safe focal losses for TensorFlow.js.
 *
 * For 0 < γ < 1 the gradient of the focal loss is singular where a prediction
 * saturates (van Leeuwen et al., "A Note On The Stability Of The Focal Loss",
 * TMLR, Eq. (8), (9)), which turns float32 training into NaN. Every loss here
 * offers three `stabilization` modes: the faithful original (`"none"`), the
 * paper's ε-stabilized form (`"epsilon"`, Eq. (11)) and an exact stable form
 * (`"exact"`, the default: original values, analytic gradient, no ε bias).
 *
 * This entry holds the losses, their options and `layersFocalLoss` for
 * tfjs-layers; the paper's analysis tools (its Figures 1 and 2, the naive
 * compositions, the backend probe) are in `@focal/stability/analysis`.
 *
 * @example Sigmoid focal loss with a focusing parameter in the unstable range
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { sigmoidFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor1d([-3, 0.2, 25]);
 * const targets = tf.tensor1d([0, 1, 1]);
 * const loss = (x: tf.Tensor) => sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "mean" });
 * // α_t (1 − p_t)^γ (−log p_t) per sample (α = 0.25 for the positives), averaged:
 * const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
 * const focal = (pt: number, alphaT: number) => alphaT * (1 - pt) ** 0.5 * -Math.log(pt);
 * const expected = (focal(1 - sigmoid(-3), 0.75) + focal(sigmoid(0.2), 0.25)) / 3; // x = 25: ≈ 0
 * assert.ok(Math.abs(loss(logits).dataSync()[0] - expected) < 1e-6);
 * // p_t rounds to 1 at x = 25, where the original's gradient is NaN:
 * assert.ok(tf.grad(loss)(logits).dataSync().every(Number.isFinite));
 * ```
 *
 * @module
 */
export * from "./lib/losses/types.ts";
export * from "./lib/losses/sigmoid_focal_loss.ts";
export * from "./lib/losses/softmax_focal_loss.ts";
export * from "./lib/losses/quality_focal_loss.ts";
export * from "./lib/losses/unified_focal_loss.ts";
export * from "./lib/losses/adaptive_focal_loss.ts";
export * from "./lib/losses/layers_focal_loss.ts";
export * from "./lib/losses/validate_focal_inputs.ts";
