import * as tf from "@tensorflow/tfjs";
import { customGrad1 } from "./_custom_grad.ts";
import { reducedWithGradient } from "./_with_gradient.ts";
import {
  SOFTMAX_FOCAL_KERNEL,
  SOFTMAX_FOCAL_REDUCED_KERNEL,
} from "../kernels/focal/focal_kernels.ts";
import "../kernels/focal/softmax_focal_cpu.ts";
import "../kernels/focal/softmax_focal_wasm.ts";
import "../kernels/focal/softmax_focal_webgpu.ts";
import type { Reduction, StabilizationOptions } from "./types.ts";
import { reduce } from "./_reduce.ts";
import { nanWhereSingular, singularBelow, softplus, storesHalfFloats } from "./numerics.ts";
import {
  checkAtLeast,
  checkContentsSync,
  checkFloatTensor,
  checkReduction,
  checkStabilization,
  checkTensor,
  checkUnitInterval,
} from "./_validate.ts";

/** The softmax kernels: per row, and reducing to a scalar (cpu and wasm). */
const SOFTMAX_KERNELS = { perRow: SOFTMAX_FOCAL_KERNEL, reduced: SOFTMAX_FOCAL_REDUCED_KERNEL };

/** Options of {@linkcode softmaxFocalLoss}. */
export interface SoftmaxFocalLossOptions extends StabilizationOptions {
  /**
   * Class weight: one number for every class, or one per class. Unset, no
   * weighting is applied.
   * @default {undefined}
   */
  alpha?: number | number[];
  /**
   * Focusing parameter γ ≥ 0 of the modulating factor (1 − p_c)^γ.
   * @default {2}
   */
  gamma?: number;
  /**
   * How the per-sample losses are combined; `"mean"` averages over the
   * samples that are not ignored.
   * @default {"none"}
   */
  reduction?: Reduction;
  /**
   * A class index whose samples contribute nothing (index targets only).
   * @default {undefined}
   */
  ignoreIndex?: number;
}

/**
 * The multi-class (softmax) focal loss over the last axis of `logits`:
 *
 *   FL(z, y) = −Σ_c α_c · y_c · (1 − p_c)^γ · log p_c,  p = softmax(z)
 *
 * the multi-class form of Eq. (2). `targets` are either int32 class indices
 * (the shape of `logits` without its last axis) or float32 probabilities
 * (one-hot or soft, the shape of `logits`).
 *
 * The derivative of (1 − p_c)^γ is singular where p_c rounds to 1 and
 * 0 < γ < 1, exactly as Eq. (4); kornia's and MONAI's softmax focal losses
 * return NaN gradients there. The modes:
 *
 * - `"exact"` (default): with d_c = z_c − log Σ_{j≠c} exp(z_j), p_c = σ(d_c),
 *   so log p_c = −softplus(−d_c) and log(1 − p_c) = −softplus(d_c) never
 *   round to 0 or −∞. The gradient is analytic:
 *
 *     ∂FL/∂z_k = −ψ_k + p_k·Σ_c ψ_c = p_k·Σ_{c≠k} ψ_c − (1 − p_k)·ψ_k,
 *     ψ_c = α_c·y_c·(1 − p_c)^γ·(1 + γ·R_c),  R_c = −p_c·log p_c / (1 − p_c)
 *
 *   where R_c ∈ [0, 1] (the singular (1 − p_c)^(γ−1) has cancelled).
 * - `"epsilon"`: Eq. (11) for softmax, `(1 − p_c + ε)^γ`.
 * - `"none"`: the naive composition (softmax, log_softmax, pow) with PyTorch
 *   autograd semantics: a sample with a saturated class gets a NaN gradient
 *   row for 0 < γ < 1.
 *
 * @param logits Raw scores, float32, at least 2 classes on the last axis.
 * @param targets int32 class indices, or float32 probabilities.
 * @param options Hyperparameters, reduction and stabilization.
 * @returns Per-sample losses (the shape of `logits` without its last axis)
 * for `reduction: "none"`, a scalar otherwise.
 * @throws {TypeError} If an input is not a tensor of the expected dtype.
 * @throws {RangeError} If a hyperparameter is out of range or the shapes do
 * not fit; with `validate: true` also if a class index is out of range, a
 * probability leaves [0, 1] or a logit is not finite.
 *
 * @example Class indices, with an ignored label
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { softmaxFocalLoss } from "@focal/stability";
 *
 * const logits = tf.tensor2d([[40, 0, 0], [0.1, 0.2, 0.3], [1, 2, 3]]);
 * const labels = tf.tensor1d([0, 2, -1], "int32");
 * const loss = softmaxFocalLoss(logits, labels, {
 *   gamma: 0.5,
 *   ignoreIndex: -1,
 *   reduction: "mean",
 * });
 * // The mean over the two rows not ignored of −(1 − p)^γ log p (row 0's is ≈ 0):
 * const p = Math.exp(0.3) / (Math.exp(0.1) + Math.exp(0.2) + Math.exp(0.3));
 * assert.ok(Math.abs(loss.dataSync()[0] - -((1 - p) ** 0.5) * Math.log(p) / 2) < 1e-6);
 * ```
 */
export function softmaxFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: SoftmaxFocalLossOptions = {},
): tf.Tensor {
  const {
    alpha,
    gamma = 2,
    reduction = "none",
    stabilization = "exact",
    epsilon = 1e-3,
    ignoreIndex,
    validate = false,
  } = options;
  checkFloatTensor("logits", logits);
  checkTensor("targets", targets);
  if (logits.rank < 1) {
    throw new RangeError(`'logits' must have a class axis: received a scalar`);
  }
  const numClasses = logits.shape[logits.rank - 1];
  if (numClasses < 2) {
    throw new RangeError(
      `'logits' must have at least 2 classes on the last axis: received ${numClasses}`,
    );
  }
  const indexTargets = targets.dtype === "int32";
  checkTargetShape(logits, targets, indexTargets);
  const alphas = classWeights(alpha, numClasses);
  checkAtLeast("gamma", gamma, 0);
  checkAtLeast("epsilon", epsilon, 0);
  checkReduction(reduction);
  checkStabilization(stabilization);
  if (ignoreIndex !== undefined && !Number.isInteger(ignoreIndex)) {
    throw new TypeError(`'ignoreIndex' must be an integer: received ${ignoreIndex}`);
  }
  if (ignoreIndex !== undefined && !indexTargets) {
    throw new TypeError(
      `'ignoreIndex' applies to int32 class-index targets: received ${targets.dtype} targets`,
    );
  }
  if (validate) {
    checkContentsSync(logits, targets, indexTargets ? numClasses : undefined, ignoreIndex);
  }

  // Class indices with one α for all classes go to the kernels as they are:
  // no one-hot tensor (the composed forms build one where they run).
  const uniformAlpha = alphas === null
    ? 1
    : alphas.every((a) => a === alphas[0])
    ? alphas[0]
    : null;
  if (indexTargets && uniformAlpha !== null) {
    return tf.tidy(() => {
      const keep = ignoreIndex === undefined
        ? undefined
        : tf.notEqual(targets, ignoreIndex).toFloat();
      const labels: ClassIndices = { alpha: uniformAlpha, ignoreIndex };
      const inKernel = keep === undefined ? reduction : "none";
      const loss = stabilization === "exact"
        ? exactSoftmaxFocal(logits, targets, gamma, inKernel, labels)
        : originalSoftmaxFocal(
          logits,
          targets,
          gamma,
          stabilization === "epsilon" ? epsilon : 0,
          inKernel,
          labels,
        );
      return keep === undefined ? loss : reduce(loss, reduction, keep);
    });
  }
  return tf.tidy(() => {
    let probabilities = targets;
    let keep: tf.Tensor | undefined;
    if (indexTargets) {
      keep = ignoreIndex === undefined ? undefined : tf.notEqual(targets, ignoreIndex).toFloat();
      const safe = keep === undefined ? targets : tf.mul(targets, keep.toInt());
      probabilities = tf.oneHot(safe, numClasses).toFloat();
      if (keep !== undefined) probabilities = tf.mul(probabilities, keep.expandDims(-1));
    }
    // Weights y_c·α_c are constants of the loss; fold them into one tensor.
    const weights = alphas === null ? probabilities : tf.mul(probabilities, tf.tensor1d(alphas));
    // Without ignored samples the kernel can reduce too; with them, the
    // mean divides by the samples kept.
    const inKernel = keep === undefined ? reduction : "none";
    const loss = stabilization === "exact"
      ? exactSoftmaxFocal(logits, weights, gamma, inKernel)
      : originalSoftmaxFocal(
        logits,
        weights,
        gamma,
        stabilization === "epsilon" ? epsilon : 0,
        inKernel,
      );
    return keep === undefined ? loss : reduce(loss, reduction, keep);
  });
}

/** Class-index targets as the kernels take them: one weight α for every class, rows to ignore. */
interface ClassIndices {
  alpha: number;
  ignoreIndex?: number;
}

/**
 * The weights α·y_c of int32 class indices, for the composed forms: a
 * one-hot row per sample, zero where the index is `ignoreIndex`.
 */
function weightsOf(labels: tf.Tensor, numClasses: number, c: ClassIndices): tf.Tensor {
  const keep = c.ignoreIndex === undefined ? undefined : tf.notEqual(labels, c.ignoreIndex);
  const safe = keep === undefined ? labels : tf.where(keep, labels, tf.zerosLike(labels));
  let weights = tf.oneHot(safe, numClasses).toFloat();
  if (keep !== undefined) weights = tf.mul(weights, keep.toFloat().expandDims(-1));
  return c.alpha === 1 ? weights : tf.mul(weights, c.alpha);
}

/** The kernels' attributes for class indices (none for weights). */
function indexAttrs(c: ClassIndices | null) {
  return c === null
    ? { alpha: -1 }
    : { alpha: c.alpha, ...(c.ignoreIndex === undefined ? {} : { ignoreIndex: c.ignoreIndex }) };
}

function checkTargetShape(
  logits: tf.Tensor,
  targets: tf.Tensor,
  indexTargets: boolean,
): void {
  if (indexTargets) {
    const expected = logits.shape.slice(0, -1);
    if (!tf.util.arraysEqual(targets.shape, expected)) {
      throw new RangeError(
        `int32 'targets' must have the shape of 'logits' without its class axis [${expected}]: received [${targets.shape}]`,
      );
    }
  } else if (targets.dtype !== "float32") {
    throw new TypeError(
      `'targets' must be int32 class indices or float32 probabilities: received ${targets.dtype}`,
    );
  } else if (tf.util.arraysEqual(targets.shape, logits.shape.slice(0, -1))) {
    throw new TypeError(
      `class-index 'targets' must have dtype int32: received float32 of shape [${targets.shape}]`,
    );
  } else if (!tf.util.arraysEqual(targets.shape, logits.shape)) {
    throw new RangeError(
      `float32 'targets' must have the shape of 'logits' [${logits.shape}]: received [${targets.shape}]`,
    );
  }
}

function classWeights(
  alpha: number | number[] | undefined,
  numClasses: number,
): number[] | null {
  if (alpha === undefined) return null;
  if (typeof alpha === "number") {
    checkUnitInterval("alpha", alpha);
    return new Array(numClasses).fill(alpha);
  }
  if (!Array.isArray(alpha)) {
    throw new TypeError(
      `'alpha' must be a number or an array of numbers: received ${typeof alpha}`,
    );
  }
  if (alpha.length !== numClasses) {
    throw new RangeError(
      `'alpha' must have one weight per class (${numClasses}): received ${alpha.length}`,
    );
  }
  alpha.forEach((a, c) => checkUnitInterval(`alpha[${c}]`, a));
  return alpha;
}

/**
 * Naive composition, as kornia writes it: p = softmax(z), log p =
 * log_softmax(z), FL = −Σ_c w_c·(1 − p_c + ε)^γ·log p_c, differentiated as
 * PyTorch autograd differentiates it:
 *
 *   g_p = w·γ·(1 − p + ε)^(γ−1)·log p        (through pow, then 1 − p)
 *   g_logp = −w·(1 − p + ε)^γ
 *   ∂FL/∂z = p⊙(g_p − Σ p⊙g_p) + g_logp − p·Σ g_logp
 *
 * A singular pow gradient (a class with 1 − p_c + ε = 0, 0 < γ < 1) makes the
 * softmax backward's row sum NaN, so the whole row is NaN.
 */
function originalSoftmaxFocal(
  logits: tf.Tensor,
  weights: tf.Tensor,
  gamma: number,
  epsilon: number,
  reduction: Reduction,
  indices: ClassIndices | null = null,
): tf.Tensor {
  const below = singularBelow(gamma);
  const numClasses = logits.shape[logits.rank - 1];
  const asWeights = (t: tf.Tensor) => indices === null ? t : weightsOf(t, numClasses, indices);
  const forward = (z: tf.Tensor) => {
    const shifted = tf.sub(z, tf.max(z, -1, true));
    const e = tf.exp(shifted);
    const sum = tf.sum(e, -1, true);
    const p = tf.div(e, sum);
    const logp = tf.sub(shifted, tf.log(sum));
    const base = tf.add(tf.sub(1, p), epsilon);
    return { p, logp, base, modulating: tf.pow(base, gamma) };
  };
  const value = (z: tf.Tensor, t: tf.Tensor) => {
    const { logp, modulating } = forward(z);
    return tf.neg(tf.sum(tf.mul(tf.mul(asWeights(t), modulating), logp), -1));
  };
  const gradient = (dy: tf.Tensor, z: tf.Tensor, t: tf.Tensor) => {
    const w = asWeights(t);
    const { p, logp, base, modulating } = forward(z);
    const g = tf.mul(dy.expandDims(-1), w);
    const gLogp = tf.neg(tf.mul(g, modulating));
    let grad = tf.sub(gLogp, tf.mul(p, tf.sum(gLogp, -1, true)));
    if (gamma !== 0) {
      const gP = tf.mul(tf.mul(g, logp), tf.mul(gamma, tf.pow(base, gamma - 1)));
      grad = tf.add(grad, tf.mul(p, tf.sub(gP, tf.sum(tf.mul(p, gP), -1, true))));
    }
    return nanWhereSingular(grad, base, below, true);
  };
  return reducedWithGradient(
    logits,
    weights,
    value,
    gradient,
    SOFTMAX_KERNELS,
    { mode: 1, ...indexAttrs(indices), gamma, epsilon, singularBelow: below },
    reduction,
    logits.shape.slice(0, -1),
  );
}

/**
 * log p_c and log(1 − p_c) without rounding, through d_c = z_c − lse_{j≠c}.
 * For a class that is not the (first) maximum, p_c ≤ 1/2 and
 * log(1 − p_c) = log(1 − exp(log p_c)) is accurate; for the maximum, the
 * log-sum-exp over the other classes is formed directly. The masks come from
 * `oneHot(argMax)`, whose gradients tfjs defines, and not from comparisons,
 * whose gradients it does not: this runs inside the gradient too, and a
 * second derivative passes through it.
 */
function logProbabilities(z: tf.Tensor): { logp: tf.Tensor; log1mp: tf.Tensor; d: tf.Tensor } {
  const numClasses = z.shape[z.rank - 1];
  const lse = tf.logSumExp(z, -1, true);
  // Reshaped: on webgpu, oneHot of the rank-0 argMax of a [K] vector is [1, K].
  const topOneHot = tf.reshape(tf.oneHot(tf.argMax(z, -1), numClasses), z.shape);
  const isTop = topOneHot.cast("bool");
  const others = tf.sub(1, topOneHot).cast("bool");
  // Largest logit among the others: where(others, z, min z) never exceeds it.
  const otherMax = tf.max(
    tf.where(others, z, tf.broadcastTo(tf.min(z, -1, true), z.shape)),
    -1,
    true,
  );
  const otherExp = tf.exp(tf.where(others, tf.sub(z, otherMax), tf.zerosLike(z)));
  const lseOthers = tf.add(
    otherMax,
    tf.log(tf.sum(tf.where(others, otherExp, tf.zerosLike(z)), -1, true)),
  );
  const dTop = tf.sub(z, lseOthers);
  const logpRest = tf.sub(z, lse);
  // Only classes off the top use this branch; the top gets a dummy log p of
  // −1 here, or backprop through the unselected log(1 − 1) would be 0·∞.
  const safeLogp = tf.where(isTop, tf.fill(z.shape, -1), logpRest);
  const log1mpRest = tf.log(tf.sub(1, tf.exp(safeLogp)));
  const logp = tf.where(isTop, tf.neg(softplus(tf.neg(dTop))), logpRest);
  const log1mp = tf.where(isTop, tf.neg(softplus(dTop)), log1mpRest);
  return { logp, log1mp, d: tf.sub(logp, log1mp) };
}

/**
 * R(d) = −p·log p/(1 − p) = e^d·softplus(−d) for p = σ(d), in [0, 1]. Past
 * d = D its expansion 1 − e^(−d)/2 replaces the overflowing e^d; the next
 * term, e^(−2d)/3, is below float32's resolution from D = 15 on and below
 * half floats' from D = 8 on. D = 15 in float32; where tensors are stored in
 * half floats D = 8, because e^d overflows 65504 from d = 11.09 (the exact
 * mode's gradient was NaN from x = 12.2 on a 4-class row before). The
 * derivative R'(d) = R(d) − σ(d) is given explicitly, so that the branch
 * (a comparison, which has no gradient in tfjs) stays out of autograd.
 */
const focalRatio: (d: tf.Tensor) => tf.Tensor = customGrad1(
  (d: tf.Tensor, save: tf.GradSaveFunc) => {
    save([d]);
    const switchAt = storesHalfFloats() ? 8 : 15;
    return {
      value: tf.where(
        tf.greater(d, switchAt),
        tf.sub(1, tf.mul(0.5, tf.exp(tf.neg(d)))),
        tf.mul(tf.exp(tf.minimum(d, switchAt)), softplus(tf.neg(d))),
      ),
      gradFunc: (dy: tf.Tensor, [ds]: tf.Tensor[]) =>
        tf.mul(dy, tf.sub(focalRatio(ds), tf.exp(tf.neg(softplus(tf.neg(ds)))))),
    };
  },
);

/** The exact mode; see {@linkcode softmaxFocalLoss} for the derivation. */
function exactSoftmaxFocal(
  logits: tf.Tensor,
  weights: tf.Tensor,
  gamma: number,
  reduction: Reduction,
  indices: ClassIndices | null = null,
): tf.Tensor {
  const numClasses = logits.shape[logits.rank - 1];
  const asWeights = (t: tf.Tensor) => indices === null ? t : weightsOf(t, numClasses, indices);
  const value = (z: tf.Tensor, t: tf.Tensor) => {
    const { logp, log1mp } = logProbabilities(z);
    return tf.neg(tf.sum(tf.mul(tf.mul(asWeights(t), tf.exp(tf.mul(gamma, log1mp))), logp), -1));
  };
  const gradient = (dy: tf.Tensor, z: tf.Tensor, t: tf.Tensor) => {
    const w = asWeights(t);
    const { logp, log1mp, d } = logProbabilities(z);
    const psi = tf.mul(
      tf.mul(w, tf.exp(tf.mul(gamma, log1mp))),
      tf.add(1, tf.mul(gamma, focalRatio(d))),
    );
    // −ψ_k + p_k·Σψ, grouped as p_k·Σ_{c≠k}ψ_c − ψ_k·(1 − p_k): with one-hot
    // weights the first term is exactly 0 and the saturated class keeps its
    // tiny gradient instead of losing it to p_k·ψ_k − ψ_k.
    const others = tf.sub(tf.sum(psi, -1, true), psi);
    const grad = tf.sub(tf.mul(tf.exp(logp), others), tf.mul(psi, tf.exp(log1mp)));
    return tf.mul(dy.expandDims(-1), grad);
  };
  return reducedWithGradient(
    logits,
    weights,
    value,
    gradient,
    SOFTMAX_KERNELS,
    { mode: 0, ...indexAttrs(indices), gamma, epsilon: 0, singularBelow: -1 },
    reduction,
    logits.shape.slice(0, -1),
  );
}
