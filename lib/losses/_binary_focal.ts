// Per-element kernels for the binary focal losses, L = α_t · CE(x, t) · u^γ,
// where the modulating base u is
//   - "pt":      u = 1 − p_t = t·(1 − p) + (1 − t)·p   (focal loss, Eq. (2))
//   - "quality": u = |t − p|                            (Quality Focal Loss)
// with p = σ(x). The two agree for hard targets t ∈ {0, 1}.
//
// Each kernel returns the per-element loss through `tf.customGrad`, so that
// the forward value and its gradient are two separate, readable functions.
// Targets are treated as constants: the gradient returned for them is zero.
import * as tf from "@tensorflow/tfjs";
import { reducedWithGradient } from "./_with_gradient.ts";
import {
  SIGMOID_FOCAL_KERNEL,
  SIGMOID_FOCAL_REDUCED_KERNEL,
} from "../kernels/focal/focal_kernels.ts";
import "../kernels/focal/sigmoid_focal_cpu.ts";
import "../kernels/focal/sigmoid_focal_wasm.ts";
import "../kernels/focal/sigmoid_focal_webgpu.ts";
import type { Reduction, Stabilization } from "./types.ts";
import {
  checkAtLeast,
  checkContentsSync,
  checkFloatTensor,
  checkReduction,
  checkSameShape,
  checkStabilization,
} from "./_validate.ts";
import {
  bceWithLogitsTorch,
  logOneMinusPt,
  nanWhereSingular,
  sigmoidFloat32,
  singularBelow,
  smallestNormal,
  softplus,
} from "./numerics.ts";

/** The sigmoid kernels: per element, and reducing to a scalar. */
const SIGMOID_KERNELS = { perRow: SIGMOID_FOCAL_KERNEL, reduced: SIGMOID_FOCAL_REDUCED_KERNEL };

export type ModulatingBase = "pt" | "quality";

/** Hyperparameters of a binary focal kernel; `alpha < 0` disables α_t. */
export interface BinaryFocalParams {
  base: ModulatingBase;
  alpha: number;
  gamma: number;
}

/** The kernels' code for a modulating base (their `base` attribute). */
function baseCode(base: ModulatingBase): 0 | 1 {
  return base === "pt" ? 0 : 1;
}

function alphaT(t: tf.Tensor, alpha: number): tf.Tensor | null {
  // α_t = α·t + (1 − α)·(1 − t), as torchvision; a negative α switches it off.
  return alpha < 0 ? null : tf.add(tf.mul(alpha, t), tf.mul(1 - alpha, tf.sub(1, t)));
}

function weigh(x: tf.Tensor, w: tf.Tensor | null): tf.Tensor {
  return w === null ? x : tf.mul(w, x);
}

/**
 * The original loss (ε = 0) or the paper's Eq. (11) (ε > 0), composed op for
 * op as torchvision / Appendix A.3 compose it in float32:
 *
 *   p = σ(x), ce = BCEWithLogits(x, t), u = 1 − p_t  (or |t − p|),
 *   L = α_t · ce · (u + ε)^γ
 *
 * and differentiated as PyTorch autograd differentiates that graph:
 *
 *   ∂L/∂x = α_t·[(u+ε)^γ·(σ(x) − t) + ce·γ·(u+ε)^(γ−1)·∂u/∂p·p(1 − p)]
 *
 * PyTorch's `pow` backward returns 0 for γ = 0; for 0 < γ < 1 the factor
 * (u+ε)^(γ−1) is infinite at u + ε = 0 (Eq. (8), (9)) and the chain turns it
 * into NaN (∞ · 0 through p_t's product with the target, or through
 * sign(0) for |t − p|). That NaN is placed explicitly, so every backend agrees
 * although webgpu's `pow(0, −0.5)` is 0 where cpu and wasm give Infinity.
 */
export function originalBinaryFocal(
  logits: tf.Tensor,
  targets: tf.Tensor,
  params: BinaryFocalParams,
  epsilon: number,
  reduction: Reduction,
): tf.Tensor {
  const { base, alpha, gamma } = params;
  const below = singularBelow(gamma);

  const forward = (x: tf.Tensor, t: tf.Tensor) => {
    const p = sigmoidFloat32(x);
    const ce = bceWithLogitsTorch(x, t);
    const u = base === "pt"
      ? tf.sub(1, tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t))))
      : tf.abs(tf.sub(t, p));
    const uEps = epsilon === 0 ? u : tf.add(u, epsilon);
    return { p, ce, uEps, modulating: tf.pow(uEps, gamma), w: alphaT(t, alpha) };
  };

  const gradient = (dy: tf.Tensor, x: tf.Tensor, t: tf.Tensor): tf.Tensor => {
    const { p, ce, uEps, modulating, w } = forward(x, t);
    const gLoss = weigh(dy, w);
    const fromCe = tf.mul(tf.mul(gLoss, modulating), tf.sub(p, t));
    if (gamma === 0) return fromCe; // PyTorch: pow backward is 0 for exponent 0
    const gU = tf.mul(tf.mul(gLoss, ce), tf.mul(gamma, tf.pow(uEps, gamma - 1)));
    // ∂u/∂p through autograd: p_t = p·t + (1 − p)·(1 − t) gives
    // −(g·t − g·(1 − t)); |t − p| gives −sign(t − p).
    const gP = base === "pt"
      ? tf.neg(tf.sub(tf.mul(gU, t), tf.mul(gU, tf.sub(1, t))))
      : tf.neg(tf.mul(gU, tf.sign(tf.sub(t, p))));
    return nanWhereSingular(tf.add(fromCe, tf.mul(tf.mul(gP, tf.sub(1, p)), p)), uEps, below);
  };

  const value = (x: tf.Tensor, t: tf.Tensor) => {
    const { ce, modulating, w } = forward(x, t);
    return weigh(tf.mul(ce, modulating), w);
  };
  const fused = {
    mode: 1 as const,
    base: baseCode(base),
    alpha,
    gamma,
    epsilon,
    singularBelow: below,
  };
  return reducedWithGradient(logits, targets, value, gradient, SIGMOID_KERNELS, fused, reduction);
}

/**
 * The loss of Eq. (2) with its exact gradient, stable for every finite logit.
 *
 * Forward, in log space (sp± = softplus(±x), so log p = −sp−, log(1−p) = −sp+):
 *
 *   ce = t·sp− + (1 − t)·sp+          (no cancellation, unlike sp+ − t·x)
 *   u^γ = exp(γ·log u)                 (log u never rounds to log 0)
 *
 * Gradient: with ∂ce/∂x = p − t and ∂u/∂x = s·p(1 − p) (s = 1 − 2t for "pt",
 * sign(p − t) for "quality"),
 *
 *   ∂L/∂x = α_t · u^γ · [(p − t) + γ · ce · s · p(1 − p)/u]
 *
 * For "pt", p(1 − p)/u = exp(−sp+ − sp− − log u) ≤ 2 for every t ∈ [0, 1]:
 * the factor u^(γ−1) of Eq. (4)/(5) has cancelled against σ'(x), so nothing is
 * singular. p − t is formed as (1 − t)·p − t·(1 − p) so that a saturated
 * logit keeps its tiny, correct gradient, and a confidently wrong one keeps
 * its full gradient (−α_t for t = 1 as x → −∞). For "quality" with a soft
 * target the true derivative is unbounded as p → t when γ < 1 (a cusp of
 * |t − p|^γ); it is large but finite next to the cusp and 0 on it.
 */
export function exactBinaryFocal(
  logits: tf.Tensor,
  targets: tf.Tensor,
  params: BinaryFocalParams,
  reduction: Reduction,
): tf.Tensor {
  const { base, alpha, gamma } = params;

  const parts = (x: tf.Tensor, t: tf.Tensor, inGradient = false) => {
    const spPos = softplus(x);
    const spNeg = softplus(tf.neg(x));
    const ce = tf.add(tf.mul(t, spNeg), tf.mul(tf.sub(1, t), spPos));
    const logPt = logOneMinusPt(t, spPos, spNeg);
    const hardSlope = tf.sub(1, tf.mul(2, t));
    if (base === "pt") {
      return { spPos, spNeg, ce, logU: logPt, slope: hardSlope, onCusp: null };
    }
    // |t − p| = |t·σ(−x) − (1 − t)·σ(x)|; for hard targets it equals 1 − p_t.
    const diff = tf.sub(
      tf.mul(t, tf.exp(tf.neg(spPos))),
      tf.mul(tf.sub(1, t), tf.exp(tf.neg(spNeg))),
    );
    const hard = tf.logicalOr(tf.equal(t, 0), tf.equal(t, 1));
    const onCusp = inGradient ? null : tf.logicalAnd(tf.logicalNot(hard), tf.equal(diff, 0));
    const safeAbs = onCusp === null
      ? tf.maximum(tf.abs(diff), smallestNormal())
      : tf.where(onCusp, tf.onesLike(diff), tf.abs(diff));
    return {
      spPos,
      spNeg,
      ce,
      logU: tf.where(hard, logPt, tf.log(safeAbs)),
      slope: tf.where(hard, hardSlope, tf.neg(tf.sign(diff))),
      onCusp,
    };
  };

  const modulatingOf = (logU: tf.Tensor, onCusp: tf.Tensor | null) => {
    const m = tf.exp(tf.mul(gamma, logU));
    return onCusp === null ? m : tf.where(onCusp, tf.fill(m.shape, gamma === 0 ? 1 : 0), m);
  };

  // The gradient may itself be differentiated (second derivatives), so it
  // branches on the targets only: tfjs has no gradient for comparisons of x.
  // On a cusp (soft t = p exactly) |t − p| is floored at FLT_MIN (the smallest
  // normal half float where tensors are stored in half), where the
  // slope sign(p − t) = 0 zeroes the term the floor would otherwise bias.
  const gradient = (dy: tf.Tensor, x: tf.Tensor, t: tf.Tensor): tf.Tensor => {
    const { spPos, spNeg, ce, logU, slope } = parts(x, t, true);
    const p = tf.exp(tf.neg(spNeg));
    const oneMinusP = tf.exp(tf.neg(spPos));
    const pMinusT = tf.sub(tf.mul(tf.sub(1, t), p), tf.mul(t, oneMinusP));
    const ratio = tf.exp(tf.sub(tf.neg(tf.add(spPos, spNeg)), logU)); // p(1 − p)/u
    const bracket = tf.add(pMinusT, tf.mul(gamma, tf.mul(tf.mul(ce, slope), ratio)));
    return tf.mul(weigh(dy, alphaT(t, alpha)), tf.mul(tf.exp(tf.mul(gamma, logU)), bracket));
  };

  const value = (x: tf.Tensor, t: tf.Tensor) => {
    const { ce, logU, onCusp } = parts(x, t);
    return weigh(tf.mul(ce, modulatingOf(logU, onCusp)), alphaT(t, alpha));
  };
  const fused = {
    mode: 0 as const,
    base: baseCode(base),
    alpha,
    gamma,
    epsilon: 0,
    singularBelow: -1,
  };
  return reducedWithGradient(logits, targets, value, gradient, SIGMOID_KERNELS, fused, reduction);
}

/** The options of a binary focal loss that are not its hyperparameters. */
export interface BinaryFocalMode {
  reduction: Reduction;
  stabilization: Stabilization;
  epsilon: number;
  validate: boolean;
}

/**
 * Checks the inputs and mode of a binary focal loss (the loss checks its own
 * hyperparameters), then runs the kernel the mode selects and reduces.
 */
export function binaryFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  params: BinaryFocalParams,
  mode: BinaryFocalMode,
): tf.Tensor {
  const { reduction, stabilization, epsilon, validate } = mode;
  checkFloatTensor("logits", logits);
  checkFloatTensor("targets", targets);
  checkSameShape(logits, targets, "logits", "targets");
  checkAtLeast("epsilon", epsilon, 0);
  checkReduction(reduction);
  checkStabilization(stabilization);
  if (validate) checkContentsSync(logits, targets);
  return tf.tidy(() =>
    stabilization === "exact"
      ? exactBinaryFocal(logits, targets, params, reduction)
      : originalBinaryFocal(
        logits,
        targets,
        params,
        stabilization === "epsilon" ? epsilon : 0,
        reduction,
      )
  );
}
