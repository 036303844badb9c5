// The Unified Focal Loss's two parts, composed from tensor ops in each
// mode's form: what unified_focal_loss.ts computes inside a recorded
// gradient, and what an experiment evaluates one part at a time to tell
// which part turned non-finite (experiments/variants/).
import * as tf from "@tensorflow/tfjs";
import type { Stabilization } from "./types.ts";
import { bceWithLogitsTorch, powTorch, sigmoidTorch, softplus } from "./numerics.ts";
import { tverskyTerm } from "./_tversky.ts";

/** The asymmetric focal part L_aF and the focal Tversky part L_aFT, each a scalar. */
export interface UnifiedParts {
  focal: tf.Tensor;
  tversky: tf.Tensor;
}

/**
 * Both parts of unifiedFocalLoss in `stabilization`'s form (the loss is
 * λ·tversky + (1 − λ)·focal); ε is used by "epsilon" only. Call inside a
 * tidy.
 */
export function unifiedParts(
  x: tf.Tensor,
  y: tf.Tensor,
  options: { delta: number; gamma: number; stabilization: Stabilization; epsilon: number },
): UnifiedParts {
  const { delta, gamma, stabilization, epsilon } = options;
  return stabilization === "exact"
    ? exactParts(x, y, delta, gamma)
    : originalParts(x, y, delta, gamma, stabilization === "epsilon" ? epsilon : 0);
}

function pixelAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
}

/** The formula as written, in float32, with PyTorch's pow gradient. */
function originalParts(
  x: tf.Tensor,
  y: tf.Tensor,
  delta: number,
  gamma: number,
  epsilon: number,
): UnifiedParts {
  const p = sigmoidTorch(x);
  const ceFg = bceWithLogitsTorch(x, tf.onesLike(x)); // −log p
  const ceBg = bceWithLogitsTorch(x, tf.zerosLike(x)); // −log(1 − p)
  // The background "1 − p_bg" of a two-channel output: 1 − (1 − p).
  const bgFactor = powTorch(tf.add(tf.sub(1, tf.sub(1, p)), epsilon), gamma);
  const focal = tf.mean(tf.add(
    tf.mul(delta, tf.mul(y, ceFg)),
    tf.mul(1 - delta, tf.mul(tf.mul(tf.sub(1, y), bgFactor), ceBg)),
  ));
  const axes = pixelAxes(x);
  const tp = tf.sum(tf.mul(y, p), axes);
  const fn = tf.sum(tf.mul(y, tf.sub(1, p)), axes);
  const fp = tf.sum(tf.mul(tf.sub(1, y), p), axes);
  const tn = tf.sum(tf.mul(tf.sub(1, y), tf.sub(1, p)), axes);
  const tversky = tverskyTerm({ tp, fn, fp, tn }, delta, gamma, epsilon, false);
  return { focal, tversky };
}

/** Log-space forms whose autograd is finite for every finite logit. */
function exactParts(x: tf.Tensor, y: tf.Tensor, delta: number, gamma: number): UnifiedParts {
  const spPos = softplus(x); // −log(1 − p)
  const spNeg = softplus(tf.neg(x)); // −log p
  const bgFactor = tf.exp(tf.mul(-gamma, spNeg)); // p^γ
  const focal = tf.mean(tf.add(
    tf.mul(delta, tf.mul(y, spNeg)),
    tf.mul(1 - delta, tf.mul(tf.mul(tf.sub(1, y), bgFactor), spPos)),
  ));
  const p = tf.exp(tf.neg(spNeg));
  const q = tf.exp(tf.neg(spPos)); // 1 − p without cancellation
  const axes = pixelAxes(x);
  const tp = tf.sum(tf.mul(y, p), axes);
  const fn = tf.sum(tf.mul(y, q), axes);
  const fp = tf.sum(tf.mul(tf.sub(1, y), p), axes);
  const tn = tf.sum(tf.mul(tf.sub(1, y), q), axes);
  // log(1 − TI) = log D − log(TP + s + D): never log(1 − 1).
  const tversky = tverskyTerm({ tp, fn, fp, tn }, delta, gamma, 0, true);
  return { focal, tversky };
}
