// The Adaptive Focal Loss as its authors' code computes it, composed by this
// experiment only (rakibuliuict/AFL-CIBM at 1b57412, src/PICAI/training_setup:
// Loss/AFLoss.py, utils/utils.py, train.py): a two-channel network
// (background, foreground), each channel through its own sigmoid, MONAI's
// sigmoid focal loss on both,
//
//   BCE-with-logits(x, t) · exp(γ · logsigmoid(−x(2t − 1))),
//
// weighted per channel by [bg, fg]/(fg + bg) (the batch's pixel counts, in
// that channel order), mean over everything. Our U-Net has one logit x per
// pixel: its channels' logits are −x and x, their targets 1 − t and t. The
// modulating factor is evaluated in log space, so its autodiff gradient
// holds no (1 − p_t)^(γ−1): this composition cannot meet the paper's NaN,
// whatever γ. The package's adaptiveFocalLoss(…, { weighting: "authors" })
// gives the same values from its exact form (tests/variants_test.ts checks
// both against tests/fixtures/adaptive_reference.json).
import * as tf from "@tensorflow/tfjs";
import { bceWithLogitsTorch, powTorch, sigmoidFloat32 } from "../../lib/losses/numerics.ts";

/** A focal loss's two factors, each a mean over the pixels: for the NaN diagnosis (nanTerms). */
export interface FocalParts {
  /** The modulating factor (1 − p_t)^γ, as the arm composes it. */
  factor: tf.Scalar;
  /** The binary cross-entropy −log p_t, as the arm composes it. */
  crossEntropy: tf.Scalar;
}

/** MONAI's per-element sigmoid focal term (AFLoss.sigmoid_focal_loss, no α). */
function monaiTerm(x: tf.Tensor, t: tf.Tensor, gamma: number): tf.Tensor {
  return tf.mul(monaiFactor(x, t, gamma), bceWithLogitsTorch(x, t));
}

/**
 * exp(γ · logsigmoid(−x(2t − 1))): (1 − p_t)^γ in log space, logsigmoid(u)
 * as −softplus(−u) (tf.logSigmoid's gradient disposes a computed input).
 */
function monaiFactor(x: tf.Tensor, t: tf.Tensor, gamma: number): tf.Tensor {
  const u = tf.neg(tf.mul(x, tf.sub(tf.mul(t, 2), 1)));
  return tf.exp(tf.mul(gamma, tf.neg(tf.softplus(tf.neg(u)))));
}

/**
 * The authors' loss for logits x and masks t at the batch's γ; call inside a
 * tidy. Their channel weights sum to 1 and both channels' terms are equal,
 * so it is half the unweighted mean: composed as they compose it all the same.
 */
export function authorsAdaptiveLoss(x: tf.Tensor, t: tf.Tensor, gamma: number): tf.Scalar {
  const fg = tf.sum(tf.cast(tf.notEqual(t, 0), "float32"));
  const bg = tf.sub(t.size, fg);
  const channels = [
    { weight: tf.div(bg, t.size), term: monaiTerm(tf.neg(x), tf.sub(1, t), gamma) },
    { weight: tf.div(fg, t.size), term: monaiTerm(x, t, gamma) },
  ];
  // MONAI's mean over both channels and every pixel.
  return tf.div(
    tf.addN(channels.map(({ weight, term }) => tf.sum(tf.mul(weight, term)))),
    2 * t.size,
  ) as tf.Scalar;
}

/**
 * The two factors of an Adaptive arm at γ, each a mean over the pixels:
 * "authors" in MONAI's log space; "none" as the paper's formula composes it
 * with `pow` (torchvision's composition, which the package's "none" mode
 * follows); call inside a tidy.
 */
export function adaptiveParts(
  x: tf.Tensor,
  t: tf.Tensor,
  gamma: number,
  composition: "authors" | "pow",
): FocalParts {
  const crossEntropy = tf.mean(bceWithLogitsTorch(x, t)) as tf.Scalar;
  if (composition === "authors") {
    return { factor: tf.mean(monaiFactor(x, t, gamma)) as tf.Scalar, crossEntropy };
  }
  const p = sigmoidFloat32(x);
  const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
  return { factor: tf.mean(powTorch(tf.sub(1, pt), gamma)) as tf.Scalar, crossEntropy };
}
