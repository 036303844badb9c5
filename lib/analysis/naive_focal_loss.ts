import * as tf from "@tensorflow/tfjs";

/** Options of {@linkcode naiveSigmoidFocalLoss}. */
export interface NaiveFocalLossOptions {
  /**
   * α of the positive class; negative switches the weighting off.
   * @default {0.25}
   */
  alpha?: number;
  /**
   * Focusing parameter γ.
   * @default {2}
   */
  gamma?: number;
}

/**
 * The sigmoid focal loss as a user would port torchvision's code to tfjs —
 * `tf.sigmoid`, `tf.losses.sigmoidCrossEntropy` and `tf.pow`, differentiated
 * by tfjs autograd — kept as the baseline that benchmarks and the Figure 2
 * analysis compare against. Do not train with it: its gradient is NaN where
 * `tf.pow`'s is (at base 0, even for γ = 0), and whether that happens depends
 * on the backend (webgpu's `pow(0, −0.5)` is 0, cpu's and wasm's Infinity).
 *
 * @param logits Raw scores x, float32.
 * @param targets Targets t in [0, 1], the shape of `logits`.
 * @param options α and γ.
 * @returns The per-element loss.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { naiveSigmoidFocalLoss } from "@focal/stability/analysis";
 *
 * const g = tf.grad((x: tf.Tensor) =>
 *   naiveSigmoidFocalLoss(x, tf.ones([1]), { gamma: 0.5 }).sum()
 * )(tf.tensor1d([30]));
 * assert.ok(Number.isNaN(g.dataSync()[0])); // on cpu and wasm
 * ```
 */
export function naiveSigmoidFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: NaiveFocalLossOptions = {},
): tf.Tensor {
  const { alpha = 0.25, gamma = 2 } = options;
  const p = tf.sigmoid(logits);
  const ce = tf.losses.sigmoidCrossEntropy(
    targets,
    logits,
    undefined,
    undefined,
    tf.Reduction.NONE,
  );
  const pt = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), tf.sub(1, targets)));
  const loss = tf.mul(ce, tf.pow(tf.sub(1, pt), gamma));
  if (alpha < 0) return loss;
  return tf.mul(tf.add(tf.mul(alpha, targets), tf.mul(1 - alpha, tf.sub(1, targets))), loss);
}

/** Options of {@linkcode naiveSoftmaxFocalLoss}. */
export interface NaiveSoftmaxFocalLossOptions {
  /**
   * Focusing parameter γ.
   * @default {2}
   */
  gamma?: number;
}

/**
 * The softmax focal loss as a user would write it in tfjs (kornia's
 * composition: `tf.softmax`, `tf.logSoftmax`, `tf.pow`), differentiated by
 * tfjs autograd: the benchmarks' baseline for {@linkcode softmaxFocalLoss}.
 *
 * @param logits Raw scores [..., classes], float32.
 * @param targets One-hot or soft probabilities, the shape of `logits`.
 * @param options γ.
 * @returns Per-sample losses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { naiveSoftmaxFocalLoss } from "@focal/stability/analysis";
 *
 * const loss = naiveSoftmaxFocalLoss(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[0, 0, 1]]));
 * // −(1 − p)^2 log p for the target class, γ = 2 by default:
 * const p = Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
 * assert.ok(Math.abs(loss.dataSync()[0] - -((1 - p) ** 2) * Math.log(p)) < 1e-6);
 * ```
 */
export function naiveSoftmaxFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: NaiveSoftmaxFocalLossOptions = {},
): tf.Tensor {
  const { gamma = 2 } = options;
  const p = tf.softmax(logits);
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.mul(targets, tf.pow(tf.sub(1, p), gamma)), logp), -1));
}
