// The float64 gradients the precision grid measures against: the derivative
// of the same formula the mode computes (Eq. (11) with its ε for "epsilon";
// Eq. (2), ε = 0, for "none" and "exact"), written out and evaluated with
// quantities that float64 does not round away on the grid (|x| ≤ 38): p and
// 1 − p each from their own exp, 1 − p_c of a softmax as the sum of the
// other classes' probabilities.
import type { PrecisionLoss } from "./figure2_precision.ts";

/** The parameters of a reference gradient. */
export interface ReferenceParams {
  gamma: number;
  epsilon: number;
  alpha: number;
  classes: number;
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Binary focal losses, L = w·ce·(u + ε)^γ with u = 1 − p_t (sigmoid) or
 * |t − p| (Quality), w = α_t (sigmoid) or 1 (Quality):
 *
 *   ∂L/∂x = w·[(u + ε)^γ·(p − t) + γ·ce·(u + ε)^(γ−1)·s·p(1 − p)]
 *
 * with s = 1 − 2t for 1 − p_t and sign(p − t) for |t − p|. At ε = 0 and a
 * hard target, u^(γ−1)·p(1 − p) = u^γ·p (t = 1) or u^γ·(1 − p) (t = 0).
 */
function binaryGradient(
  quality: boolean,
  x: number,
  t: number,
  { gamma, epsilon, alpha }: ReferenceParams,
): number {
  const p = 1 / (1 + Math.exp(-x));
  const q = 1 / (1 + Math.exp(x));
  const ce = t * softplus(-x) + (1 - t) * softplus(x);
  const w = quality ? 1 : alpha * t + (1 - alpha) * (1 - t);
  const hard = t === 0 || t === 1;
  const pMinusT = (1 - t) * p - t * q;
  const u = quality ? (hard ? (t === 1 ? q : p) : Math.abs(t - p)) : t * q + (1 - t) * p;
  const s = quality ? Math.sign(p - t) : 1 - 2 * t;
  const base = u + epsilon;
  const fromCe = Math.pow(base, gamma) * pMinusT;
  if (gamma === 0) return w * fromCe;
  const singular = epsilon === 0 && hard
    ? Math.pow(u, gamma) * (t === 1 ? p : q)
    : Math.pow(base, gamma - 1) * p * q;
  return w * (fromCe + gamma * ce * s * singular);
}

/**
 * Softmax focal loss of the row [x, 0, …, 0] with label c and weight α:
 * L = −α·(1 − p_c + ε)^γ·log p_c, so
 *
 *   ∂L/∂z_j = α·(δ_cj − p_j)·[γ·(1 − p_c + ε)^(γ−1)·p_c·log p_c − (1 − p_c + ε)^γ]
 */
function softmaxGradient(x: number, target: number, params: ReferenceParams): number[] {
  const { gamma, epsilon, alpha, classes } = params;
  const z = [x, ...new Array(classes - 1).fill(0)];
  const c = target === 1 ? 0 : 1;
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  const p = z.map((v) => Math.exp(v - lse));
  const oneMinusPc = p.reduce((s, v, j) => (j === c ? s : s + v), 0);
  const base = oneMinusPc + epsilon;
  const logPc = z[c] - lse;
  const bracket = (gamma === 0 ? 0 : gamma * Math.pow(base, gamma - 1) * p[c] * logPc) -
    Math.pow(base, gamma);
  return p.map((pj, j) => alpha * (j === c ? oneMinusPc : -pj) * bracket);
}

/** The float64 gradient at logit x: one entry, or a softmax row's `classes`. */
export function referenceGradient(
  loss: PrecisionLoss,
  x: number,
  target: number,
  params: ReferenceParams,
): number[] {
  if (loss === "softmax") return softmaxGradient(x, target, params);
  return [binaryGradient(loss === "quality", x, target, params)];
}
