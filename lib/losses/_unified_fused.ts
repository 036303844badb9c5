// The Unified Focal Loss on its fused kernels: one pass over the pixels for
// the per-image sums (TP, FN, FP, TN and the focal terms), the loss from those
// sums with the composed form's own formulas (tensors of [images]), and, for
// the gradient, one more pass from per-image coefficients. The coefficients
// are the composed form's reverse-mode derivative, written out here op for
// op so that its NaN (PyTorch's pow gradient where 1 − TI rounds to 0) lands
// where autograd of the composition puts it: on every pixel of that image.
import * as tf from "@tensorflow/tfjs";
import { customGrad1 } from "./_custom_grad.ts";
import { FLT_MIN, hasPowSingularity, powGradSingularBelow } from "./numerics.ts";
import { TVERSKY_SMOOTH, type TverskyCounts, tverskyMisses, tverskyTerm } from "./_tversky.ts";
import {
  UNIFIED_FOCAL_GRAD_KERNEL,
  UNIFIED_FOCAL_SUMS_KERNEL,
  type UnifiedKernelAttrs,
} from "../kernels/focal/focal_kernels.ts";
import { SHARE_FROM_ELEMENTS, withIdentityByReference } from "../kernels/runtime/identity_wasm.ts";
import { coefficientsData, lossFromSumsData } from "./_unified_from_sums.ts";
import "../kernels/focal/unified_focal_cpu.ts";
import "../kernels/focal/unified_focal_wasm.ts";
import "../kernels/focal/unified_focal_webgpu.ts";

/** The loss's hyperparameters and mode, as unifiedFocalLoss checked them. */
export interface UnifiedSettings {
  weight: number;
  delta: number;
  gamma: number;
  /** 0 for the original composition; ignored in exact mode. */
  epsilon: number;
  exact: boolean;
}

/** Backends whose tensors are in this process's memory: reading the sums costs a copy. */
const IN_PROCESS_BACKENDS = new Set(["cpu", "wasm"]);

/** The per-image counts from the [images, 5] sums. */
function countsOf(sums: tf.Tensor): TverskyCounts {
  const [tp, fn, fp, tn] = tf.unstack(sums.slice([0, 0], [-1, 4]), 1);
  return { tp, fn, fp, tn };
}

/** The loss from the sums, with the composed form's own Tversky term. */
export function lossFromSums(sums: tf.Tensor, elements: number, s: UnifiedSettings): tf.Tensor {
  const focal = tf.div(tf.sum(sums.slice([0, 4], [-1, 1])), elements);
  const tversky = tverskyTerm(countsOf(sums), s.delta, s.gamma, s.epsilon, s.exact);
  return tf.add(tf.mul(s.weight, tversky), tf.mul(1 - s.weight, focal));
}

/**
 * ∂L/∂(TP, FN, FP, TN) per image, given dy, folded into the [images, 3]
 * coefficients the gradient kernel takes: (∂TP − ∂FN, ∂FP − ∂TN, ∂Σfocal).
 */
export function coefficients(
  sums: tf.Tensor,
  dy: tf.Tensor,
  elements: number,
  s: UnifiedSettings,
): tf.Tensor {
  const images = sums.shape[0];
  const counts = countsOf(sums);
  const { tp, tn } = counts;
  const { dF, dB } = tverskyMisses(counts, s.delta);
  const { delta, gamma } = s;
  const smooth = TVERSKY_SMOOTH;
  const g = tf.div(tf.mul(dy, s.weight), images * 2); // ∂L/∂(each half of a Tversky term)
  let gTP: tf.Tensor, gTN: tf.Tensor, gDF: tf.Tensor, gDB: tf.Tensor;
  if (s.exact) {
    // l = log D' − log(hit + s + D'), D' = max(D, FLT_MIN) (tf.maximum's
    // gradient: 1 where D ≥ FLT_MIN, else 0).
    const parts = (hit: tf.Tensor, d: tf.Tensor, exponent: number) => {
      const dSafe = tf.maximum(d, FLT_MIN);
      const whole = tf.add(tf.add(hit, smooth), dSafe);
      const l = tf.sub(tf.log(dSafe), tf.log(whole));
      const gL = tf.mul(tf.mul(g, tf.exp(tf.mul(exponent, l))), exponent);
      const gD = tf.mul(
        tf.mul(gL, tf.sub(tf.div(1, dSafe), tf.div(1, whole))),
        tf.cast(tf.greaterEqual(d, FLT_MIN), "float32"),
      );
      return { gHit: tf.neg(tf.div(gL, whole)), gD };
    };
    const fore = parts(tp, dF, 1 - gamma);
    const back = parts(tn, dB, 1);
    [gTP, gDF, gTN, gDB] = [fore.gHit, fore.gD, back.gHit, back.gD];
  } else {
    // ti = n/d; fore = pow(1 − ti + ε, 1 − γ) with PyTorch's pow backward.
    const nF = tf.add(tp, smooth);
    const dFull = tf.add(tf.add(tp, dF), smooth);
    const tiFg = tf.div(nF, dFull);
    const base = tf.add(tf.sub(1, tiFg), s.epsilon);
    const e = 1 - gamma;
    let gBase = e === 0 ? tf.zerosLike(base) : tf.mul(g, tf.mul(e, tf.pow(base, e - 1)));
    if (hasPowSingularity(e)) {
      gBase = tf.where(
        tf.lessEqual(base, powGradSingularBelow(e)),
        tf.fill(base.shape, NaN),
        gBase,
      );
    }
    const gTiF = tf.neg(gBase);
    const nB = tf.add(tn, smooth);
    const dBFull = tf.add(tf.add(tn, dB), smooth);
    const gTiB = tf.neg(g);
    // tfjs's div backward: ∂a = dy/b, ∂b = −dy·a/b².
    const gDFull = tf.neg(tf.div(tf.mul(gTiF, nF), tf.square(dFull)));
    const gDBFull = tf.neg(tf.div(tf.mul(gTiB, nB), tf.square(dBFull)));
    gTP = tf.add(tf.div(gTiF, dFull), gDFull);
    gTN = tf.add(tf.div(gTiB, dBFull), gDBFull);
    [gDF, gDB] = [gDFull, gDBFull];
  }
  const gFN = tf.add(tf.mul(delta, gDF), tf.mul(1 - delta, gDB));
  const gFP = tf.add(tf.mul(1 - delta, gDF), tf.mul(delta, gDB));
  const gFocal = tf.add(tf.zeros([images]), tf.div(tf.mul(dy, 1 - s.weight), elements));
  return tf.stack([tf.sub(gTP, gFN), tf.sub(gFP, gTN), gFocal], 1);
}

/**
 * The scalar loss on the fused kernels, its gradient with respect to the
 * logits from the second pass. `targets` is a constant of the loss.
 */
export function fusedUnifiedFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  s: UnifiedSettings,
): tf.Tensor {
  const attrs: UnifiedKernelAttrs = {
    exact: s.exact,
    delta: s.delta,
    gamma: s.gamma,
    epsilon: s.exact ? 0 : s.epsilon,
    singularBelow: !s.exact && hasPowSingularity(s.gamma) ? powGradSingularBelow(s.gamma) : -1,
  };
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  const elements = logits.size;
  // On cpu and wasm the sums are in this process: the per-image arithmetic
  // runs in JavaScript (_unified_from_sums.ts) instead of ~90 small ops.
  const inProcess = IN_PROCESS_BACKENDS.has(tf.getBackend());
  const op = customGrad1((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const sums = tf.engine().runKernel(
      UNIFIED_FOCAL_SUMS_KERNEL,
      { x, t: targets },
      kernelAttrs,
    ) as tf.Tensor;
    save([x, targets, sums]);
    const data = inProcess ? sums.dataSync() as Float32Array : null;
    return {
      value: data === null
        ? lossFromSums(sums, elements, s)
        : tf.scalar(lossFromSumsData(data, elements, s)),
      gradFunc: (dy: tf.Tensor, [xs, ts, ss]: tf.Tensor[]) => {
        const c = data === null
          ? coefficients(ss, dy, elements, s)
          : tf.tensor2d(coefficientsData(data, dy.dataSync()[0], elements, s), [
            data.length / 5,
            3,
          ]);
        return tf.engine().runKernel(
          UNIFIED_FOCAL_GRAD_KERNEL,
          { x: xs, t: ts, c },
          kernelAttrs,
        ) as tf.Tensor;
      },
    };
  });
  return logits.size >= SHARE_FROM_ELEMENTS
    ? withIdentityByReference(() => op(logits))
    : op(logits);
}
