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
 * @example Sigmoid focal loss with a focusing parameter in the unstable range
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { sigmoidFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor1d([-3, 0.2, 25]);
 * const targets = tf.tensor1d([0, 1, 1]);
 * const loss = (x: tf.Tensor) => sigmoidFocalLoss(x, targets, { gamma: 0.5, reduction: "mean" });
 * assert.ok(loss(logits).dataSync()[0] > 0);
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
export * from "./lib/losses/focal_loss.ts";
export * from "./lib/losses/validate_focal_inputs.ts";
export * from "./lib/analysis/figure1_curves.ts";
export * from "./lib/analysis/figure2_sweep.ts";
export * from "./lib/analysis/naive_focal_loss.ts";
export * from "./lib/analysis/probe_backend_numerics.ts";
