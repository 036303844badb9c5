// The Unified Focal Loss's Tversky part from per-image counts, one
// definition for its composed form (unified_focal_loss.ts) and its fused
// kernels (_unified_fused.ts, which take the counts from a kernel's sums).
import * as tf from "@tensorflow/tfjs";
import { FLT_MIN, powTorch } from "./numerics.ts";

/**
 * Smoothing constant of the Tversky index, `K.epsilon()` in Yeung et al.'s
 * reference code. It belongs to the Tversky index, not to the stabilization.
 */
export const TVERSKY_SMOOTH = 1e-7;

/** Per-image soft counts, each of shape [images]. */
export interface TverskyCounts {
  tp: tf.Tensor;
  fn: tf.Tensor;
  fp: tf.Tensor;
  tn: tf.Tensor;
}

/** D = δ·FN + (1 − δ)·FP (foreground) and δ·FP + (1 − δ)·FN (background). */
export function tverskyMisses(c: TverskyCounts, delta: number): { dF: tf.Tensor; dB: tf.Tensor } {
  return {
    dF: tf.add(tf.mul(delta, c.fn), tf.mul(1 - delta, c.fp)),
    dB: tf.add(tf.mul(delta, c.fp), tf.mul(1 - delta, c.fn)),
  };
}

/**
 * mean_images[((1 − TI_bg) + (1 − TI_fg)^(1 − γ)) / 2]. Original mode: TI
 * formed in float32 and (1 − TI_fg + ε)^(1 − γ) with PyTorch's pow gradient;
 * exact mode: log(1 − TI) = log D − log(TP + s + D), which never meets
 * log(1 − 1).
 */
export function tverskyTerm(
  c: TverskyCounts,
  delta: number,
  gamma: number,
  epsilon: number,
  exact: boolean,
): tf.Tensor {
  const { dF, dB } = tverskyMisses(c, delta);
  if (exact) {
    const logOneMinusTi = (hit: tf.Tensor, d: tf.Tensor) => {
      const dSafe = tf.maximum(d, FLT_MIN);
      return tf.sub(tf.log(dSafe), tf.log(tf.add(tf.add(hit, TVERSKY_SMOOTH), dSafe)));
    };
    const fore = tf.exp(tf.mul(1 - gamma, logOneMinusTi(c.tp, dF)));
    const back = tf.exp(logOneMinusTi(c.tn, dB));
    return tf.mean(tf.div(tf.add(back, fore), 2));
  }
  const tiFg = tf.div(tf.add(c.tp, TVERSKY_SMOOTH), tf.add(tf.add(c.tp, dF), TVERSKY_SMOOTH));
  const tiBg = tf.div(tf.add(c.tn, TVERSKY_SMOOTH), tf.add(tf.add(c.tn, dB), TVERSKY_SMOOTH));
  const fore = powTorch(tf.add(tf.sub(1, tiFg), epsilon), 1 - gamma);
  return tf.mean(tf.div(tf.add(tf.sub(1, tiBg), fore), 2));
}
