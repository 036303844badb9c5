// The per-element math of the fused sigmoid focal kernel, one scalar at a
// time. The cpu kernel runs it as is; the wasm (AssemblyScript, SIMD) and
// webgpu (WGSL) kernels are transcriptions of it. The derivations are in
// lib/losses/_binary_focal.ts, above the composed kernels these must equal.
//
// `quality` selects the modulating base: false for u = 1 − p_t (the focal
// loss, Eq. (2)), true for u = |t − p| (the Quality Focal Loss). The two
// agree for hard targets t ∈ {0, 1}.

// FLT_MIN, the smallest normal float32, floors |t − p| in the exact gradient.
import { FLT_MIN } from "../../precision/float_limits.ts";

const f = Math.fround;

/** α_t, or 1 when α < 0 switches the weighting off. */
function alphaT(t: number, alpha: number): number {
  return alpha < 0 ? 1 : alpha * t + (1 - alpha) * (1 - t);
}

/**
 * Exact mode, in float64 (then stored as float32): loss and ∂L/∂x of
 * α_t·CE·(1 − p_t)^γ from softplus(±x), with the singular factor cancelled.
 */
export function exactElement(
  x: number,
  t: number,
  alpha: number,
  gamma: number,
  quality = false,
): [number, number] {
  const l = Math.log1p(Math.exp(-Math.abs(x)));
  const spPos = Math.max(x, 0) + l; // −log(1 − p)
  const spNeg = Math.max(-x, 0) + l; // −log p
  const ce = t * spNeg + (1 - t) * spPos;
  if (quality && t !== 0 && t !== 1) return exactQualitySoft(spPos, spNeg, ce, t, alpha, gamma);
  let logQ: number;
  if (t === 1) logQ = -spPos;
  else if (t === 0) logQ = -spNeg;
  else {
    const a = Math.log(t) - spPos;
    const b = Math.log1p(-t) - spNeg;
    logQ = Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
  const m = Math.exp(gamma * logQ);
  const p = Math.exp(-spNeg);
  const q = Math.exp(-spPos);
  const ratio = Math.exp(-spPos - spNeg - logQ); // p(1 − p)/(1 − p_t) ≤ 2
  const w = alphaT(t, alpha);
  return [
    w * ce * m,
    w * m * ((1 - t) * p - t * q + gamma * (1 - 2 * t) * ce * ratio),
  ];
}

/**
 * Original (ε = 0) or Eq. (11) mode, op for op in float32 as torchvision and
 * PyTorch autograd compute it; NaN where the pow gradient is singular.
 */
export function originalElement(
  x: number,
  t: number,
  alpha: number,
  gamma: number,
  epsilon: number,
  singularBelow: number,
  quality = false,
): [number, number] {
  const p = f(1 / f(1 + f(Math.exp(-x))));
  const mv = f(Math.max(-x, 0));
  const ce = f(
    f(f(f(1 - t) * x) + mv) + f(Math.log(f(f(Math.exp(-mv)) + f(Math.exp(f(-x - mv)))))),
  );
  const pt = f(f(p * t) + f(f(1 - p) * f(1 - t)));
  const u = f((quality ? Math.abs(f(t - p)) : f(1 - pt)) + epsilon);
  const m = f(Math.pow(u, gamma));
  const w = f(alphaT(t, alpha));
  const loss = alpha < 0 ? f(ce * m) : f(w * f(ce * m));
  const fromCe = f(f(w * m) * f(p - t));
  if (gamma === 0) return [loss, fromCe];
  if (u <= singularBelow) return [loss, NaN];
  const gU = f(f(w * ce) * f(gamma * f(Math.pow(u, gamma - 1))));
  // ∂u/∂p as autograd takes it: through p_t = p·t + (1 − p)·(1 − t), or
  // through |t − p| (−sign(t − p)).
  const gP = quality ? f(-f(gU * Math.sign(f(t - p)))) : f(-f(f(gU * t) - f(gU * f(1 - t))));
  return [loss, f(fromCe + f(f(gP * f(1 - p)) * p))];
}

/**
 * Exact mode of the Quality Focal Loss for a soft target 0 < t < 1: the base
 * is |t − p| = |t·σ(−x) − (1 − t)·σ(x)|, the slope ∂u/∂p is −sign(t − p)
 * and p(1 − p)/u does not cancel (the cusp of |t − p|^γ). On the cusp
 * (t − p = 0) the loss is 0 (1 for γ = 0); the gradient floors the base at
 * FLT_MIN, where the slope 0 zeroes the term the floor would bias.
 */
function exactQualitySoft(
  spPos: number,
  spNeg: number,
  ce: number,
  t: number,
  alpha: number,
  gamma: number,
): [number, number] {
  const p = Math.exp(-spNeg);
  const q = Math.exp(-spPos);
  const diff = t * q - (1 - t) * p;
  const w = alphaT(t, alpha);
  const logU = Math.log(Math.max(Math.abs(diff), FLT_MIN));
  const m = Math.exp(gamma * logU);
  const ratio = Math.exp(-spPos - spNeg - logU);
  const loss = diff === 0 ? (gamma === 0 ? w * ce : 0) : w * ce * m;
  return [loss, w * m * ((1 - t) * p - t * q - gamma * Math.sign(diff) * ce * ratio)];
}
