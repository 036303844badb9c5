// Elementwise building blocks shared by the loss kernels.
//
// Two families live here. The *faithful* helpers reproduce, op for op, the
// float32 arithmetic of the PyTorch code the paper measured, so that values
// saturate (p rounds to 1) at the same logits on every tfjs backend. The
// *log-space* helpers never form a quantity that can round to 0 or 1; they are
// built on our own `softplus` and `log1p`, because the backends' are not
// accurate everywhere: `tf.log1p` is `log(1 + x)` on wasm and webgpu
// (`log1p(1e-10)` is 0), and webgpu's `tf.softplus` is `log(exp(a) + 1)` for
// |a| < 13.9 (1% off at a = −13.6).
import * as tf from "@tensorflow/tfjs";
import { customGrad1 } from "./_custom_grad.ts";
import { FLT_MAX, FLT_MIN, HALF_MIN } from "../precision/float_limits.ts";

export { FLT_MIN, HALF_MIN };

/**
 * Whether the active backend stores float32 tensors as half floats: webgl
 * with half-float textures (forced by `WEBGL_FORCE_F16_TEXTURES`, or where
 * the device cannot render to float32, as on many phones), or any backend
 * whose `floatPrecision()` is 16. webgl is asked for its render flag instead,
 * because tfjs-webgl 4.22's `floatPrecision()` answers 16 exactly when float32
 * rendering works. Read where a loss chooses its formulation, so that the
 * loss adapts to the backend without an option of its own.
 */
export function storesHalfFloats(): boolean {
  if (tf.getBackend() === "webgl") return !tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED");
  return tf.backend().floatPrecision() === 16;
}

/**
 * The floor for a quantity that is 0 only by underflow: FLT_MIN, or the
 * smallest normal half float where tensors are stored in half (FLT_MIN
 * rounds to 0 there, and log(0) is what the floor is for).
 */
export function smallestNormal(): number {
  return storesHalfFloats() ? HALF_MIN : FLT_MIN;
}

/**
 * σ(x) composed as PyTorch's CPU kernel computes it in float32:
 * `1 / (1 + exp(−x))`, each step rounded. `tf.sigmoid` differs per backend
 * (the cpu backend works in float64 and saturates at x ≈ 17.3 instead of
 * 16.6), which would move the NaN region of the original loss.
 *
 * In half floats exp(−x) overflows from x < −11.09 (e^11.09 > 65504). IEEE
 * arithmetic, and PyTorch's half kernels with it, then give 1/(1 + ∞) = 0,
 * but webgl's half-float textures store the overflow as NaN, so the original
 * and ε modes turned NaN there (the loss itself is finite). There the
 * negative side is taken as e·1/(1 + e) with e = exp(−|x|) ≤ 1: p is the
 * same up to rounding, and 0 where IEEE's is 0 or a subnormal below the half
 * float resolution of 1 − p (x < −11.09), so 1 − p_t and the NaN mask of
 * Eq. (2) do not move. The positive side is the composition above, op for op.
 */
export function sigmoidFloat32(x: tf.Tensor): tf.Tensor {
  if (!storesHalfFloats()) return tf.reciprocal(tf.add(1, tf.exp(tf.neg(x))));
  const e = tf.exp(tf.neg(tf.abs(x)));
  const r = tf.reciprocal(tf.add(1, e));
  return tf.where(tf.greaterEqual(x, 0), r, tf.mul(e, r));
}

/**
 * `F.binary_cross_entropy_with_logits(x, t, reduction="none")` as PyTorch
 * composes it: `(1 − t)·x + m + log(exp(−m) + exp(−x − m))`, `m = max(−x, 0)`.
 */
export function bceWithLogitsTorch(x: tf.Tensor, t: tf.Tensor): tf.Tensor {
  const m = tf.relu(tf.neg(x));
  return tf.add(
    tf.add(tf.mul(tf.sub(1, t), x), m),
    tf.log(tf.add(tf.exp(tf.neg(m)), tf.exp(tf.sub(tf.neg(x), m)))),
  );
}

/**
 * The largest base at which PyTorch's `pow` backward, `γ·b^(γ−1)`, is not
 * finite in float32, for 0 < γ < 1: `b^(γ−1)` overflows once
 * `b < FLT_MAX^(1/(γ−1))`, and b = 0 gives Infinity. Every backend gets the
 * same answer from this, although webgpu returns `pow(0, −0.5) = 0`.
 */
export function powGradSingularBelow(gamma: number): number {
  return Math.fround(Math.pow(FLT_MAX / gamma, 1 / (gamma - 1)));
}

/** True when the PyTorch-style pow gradient `γ·b^(γ−1)` is singular at b = 0. */
export function hasPowSingularity(gamma: number): boolean {
  return gamma > 0 && gamma < 1;
}

/**
 * The original mode's threshold, as the fused kernels take it: the base at
 * or below which the pow gradient is not finite (0 < γ < 1), else −1.
 */
export function singularBelow(gamma: number): number {
  return hasPowSingularity(gamma) ? powGradSingularBelow(gamma) : -1;
}

/**
 * The original mode's composed gradient with NaN where its pow gradient is
 * singular, as PyTorch autograd gives it: where `base` ≤ `below` (per
 * element; or, with `perRow`, anywhere in the last axis's row, since every
 * class of a softmax row shares the row's sum). `below` < 0: `grad` as it is.
 */
export function nanWhereSingular(
  grad: tf.Tensor,
  base: tf.Tensor,
  below: number,
  perRow = false,
): tf.Tensor {
  if (below < 0) return grad;
  const singular = perRow
    ? tf.broadcastTo(tf.any(tf.lessEqual(base, below), -1, true), grad.shape)
    : tf.lessEqual(base, below);
  return tf.where(singular, tf.fill(grad.shape, NaN), grad);
}

/**
 * log(1 + u) for u ≥ 0, accurate to a few ulps on every backend (Kahan's
 * trick): with w = 1 + u rounded, log(w)·u/(w − 1) corrects the rounding of
 * w exactly, because w − 1 is exact (each op is its own kernel, so nothing
 * reassociates it away); where w rounds to 1, log1p(u) = u to float32.
 */
export function log1p(u: tf.Tensor): tf.Tensor {
  const w = tf.add(1, u);
  const wMinus1 = tf.sub(w, 1);
  const tiny = tf.equal(wMinus1, 0);
  const ratio = tf.div(u, tf.where(tiny, tf.onesLike(u), wMinus1));
  return tf.where(tiny, u, tf.mul(tf.log(w), ratio));
}

/**
 * softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), accurately, with
 * its gradient σ(x) = exp(−softplus(−x)) given explicitly: it is built from
 * softplus again, so derivatives of any order exist (the `where` inside
 * `log1p` has no gradient in tfjs).
 */
export const softplus: (x: tf.Tensor) => tf.Tensor = customGrad1(
  (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.add(tf.relu(x), log1p(tf.exp(tf.neg(tf.abs(x))))),
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) =>
        tf.mul(dy, tf.exp(tf.neg(softplus(tf.neg(xs))))),
    };
  },
);

/**
 * log(exp(a) + exp(b)) = max(a, b) + softplus(−|a − b|), finite for finite
 * a and b, with no `log1p`.
 */
export function logAddExp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(tf.maximum(a, b), softplus(tf.neg(tf.abs(tf.sub(a, b)))));
}

/**
 * log of the modulating base q = 1 − p_t = t·σ(−x) + (1 − t)·σ(x) for soft
 * targets t ∈ [0, 1], from `spPos = softplus(x) = −log σ(−x)` and
 * `spNeg = softplus(−x) = −log σ(x)`. Hard targets select a branch exactly;
 * log(0) is never formed (webgpu may assume no Infinity).
 */
export function logOneMinusPt(
  t: tf.Tensor,
  spPos: tf.Tensor,
  spNeg: tf.Tensor,
): tf.Tensor {
  const isOne = tf.equal(t, 1);
  const isZero = tf.equal(t, 0);
  const logT = tf.log(tf.where(isZero, tf.onesLike(t), t));
  const log1mT = tf.log(tf.where(isOne, tf.onesLike(t), tf.sub(1, t)));
  const soft = logAddExp(tf.sub(logT, spPos), tf.sub(log1mT, spNeg));
  return tf.where(isOne, tf.neg(spPos), tf.where(isZero, tf.neg(spNeg), soft));
}

/**
 * σ(x) as {@linkcode sigmoidFloat32} with PyTorch's backward, `dy·p·(1 − p)`.
 * Differentiating the composition itself would give NaN below x ≈ −88, where
 * exp(−x) overflows (0 · ∞ in the chain rule).
 */
export const sigmoidTorch: (x: tf.Tensor) => tf.Tensor = customGrad1(
  (x: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = sigmoidFloat32(x);
    save([p]);
    return {
      value: p,
      gradFunc: (dy: tf.Tensor, [ps]: tf.Tensor[]) => tf.mul(tf.mul(dy, tf.sub(1, ps)), ps),
    };
  },
);

/**
 * `base ** exponent` for a base ≥ 0 with PyTorch's `pow` backward:
 * `dy·e·base^(e−1)`, 0 when e = 0, and non-finite where `base^(e−1)`
 * overflows (0 < e < 1, base → 0). PyTorch gives ±Infinity or NaN there
 * depending on dy; this gives NaN on every backend, because webgpu does not
 * carry Infinity through arithmetic reliably.
 */
export function powTorch(base: tf.Tensor, exponent: number): tf.Tensor {
  const singularBelow = hasPowSingularity(exponent) ? powGradSingularBelow(exponent) : -1;
  const op = customGrad1((b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([b]);
    return {
      value: tf.pow(b, exponent),
      gradFunc: (dy: tf.Tensor, [bs]: tf.Tensor[]) => {
        if (exponent === 0) return tf.zerosLike(bs);
        const grad = tf.mul(dy, tf.mul(exponent, tf.pow(bs, exponent - 1)));
        if (singularBelow < 0) return grad;
        return tf.where(tf.lessEqual(bs, singularBelow), tf.fill(grad.shape, NaN), grad);
      },
    };
  });
  return op(base);
}
