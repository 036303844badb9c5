// AssemblyScript source of the wasm fused sigmoid focal kernel (SIMD, f32x4).
//
// A transcription of lib/kernels/focal/_sigmoid_focal_math.ts; `quality`
// selects the Quality Focal Loss's base |t − p| instead of 1 − p_t. The module imports
// the memory of the tfjs wasm backend and works on its tensors in place: the
// pointers are the tensors' `memoryOffset`s. It must own no static data
// (it would land in tfjs's heap), which scripts/build_wasm_kernels.ts checks.
//
// Build: deno task build kernels (writes lib/kernels/_sigmoid_focal_wasm.ts).

import {
  exp4,
  expNonPositive4,
  fma,
  log1p4,
  log4,
  NAN,
  ONE,
  pow4,
  select,
  splat,
  V_MIN_NORMAL,
} from "./vector_math";
import { addToSum, at, FLUSH_EVERY, load4, masked, store4 } from "./lanes";

export { initConstants } from "./vector_math";

/**
 * α_t = α·t + (1 − α)·(1 − t), from α and 1 − α in four lanes (1 − α is
 * computed in float64 by the caller, as the composed form gets it: 1 − α in
 * float32 cancels for α near 1); `weighted` is false for α < 0 (no weight).
 */
// @ts-ignore: decorator
@inline function alphaT4(t: v128, weighted: bool, alphaV: v128, alphaCV: v128): v128 {
  if (!weighted) return ONE;
  return fma(alphaV, t, f32x4.mul(alphaCV, f32x4.sub(ONE, t)));
}

// ---- kernels ---------------------------------------------------------------
//
// Each kernel takes its scalar arguments into four lanes once, before its
// loop (see the note on constants in vector_math.ts).

/** Lanes with only the sign bit set: xor flips a sign, or makes it negative. */
// @ts-ignore: decorator
@inline function signBit(): v128 {
  return i32x4.splat(0x80000000);
}

/**
 * Exact mode on four elements whose targets are all 0 or 1, as a function of
 * z = ±x (z = x where t = 1, −x where t = 0): p_t = σ(z), 1 − p_t = σ(−z),
 * CE = softplus(−z), (1 − p_t)^γ = e^(−γ·softplus(z)), and
 *   ∂L/∂z = −α_t·(1 − p_t)^γ·(γ·p_t·CE + (1 − p_t)),   ∂L/∂x = ±∂L/∂z.
 * The same terms as the general path below, in about a third fewer
 * instructions. Stores the loss and gradient when asked; returns the loss.
 */
// @ts-ignore: decorator
@inline function exactHard(
  x: v128,
  isOne: v128,
  isZero: v128,
  weighted: bool,
  alphaV: v128,
  alphaCV: v128,
  gamma: f32,
  gammaV: v128,
  negGammaV: v128,
  scaleV: v128,
  gradOut: bool,
): v128 {
  const zero = splat(0);
  const sign = signBit();
  const z = v128.xor(x, v128.and(isZero, sign));
  // e = exp(−|x|), s = 1/(1 + e): σ(|z|) = s and σ(−|z|) = e·s.
  const e = expNonPositive4(v128.or(x, sign));
  const s = f32x4.div(ONE, f32x4.add(ONE, e));
  const es = f32x4.mul(e, s);
  const l = log1p4(e);
  const zNonNeg = f32x4.ge(z, zero);
  const pt = select(s, es, zNonNeg);
  const qt = select(es, s, zNonNeg);
  const ce = f32x4.add(f32x4.pmax(f32x4.neg(z), zero), l);
  const m = gamma == 0.5 || gamma == 1 || gamma == 2 || gamma == 0
    ? pow4(qt, gamma, gammaV)
    : exp4(f32x4.mul(negGammaV, f32x4.add(f32x4.pmax(z, zero), l)));
  const wm = weighted ? f32x4.mul(select(alphaV, alphaCV, isOne), m) : m;
  if (gradOut) {
    const bracket = fma(f32x4.mul(gammaV, pt), ce, qt);
    // −bracket where t = 1, +bracket where t = 0.
    gradLanes = v128.xor(f32x4.mul(f32x4.mul(wm, scaleV), bracket), v128.and(isOne, sign));
  }
  return f32x4.mul(wm, ce);
}

/** The gradient lanes exactHard computed last (a second return value). */
let gradLanes: v128 = i32x4.splat(0);

/**
 * Exact mode, any targets in [0, 1], on four lanes: the general form, with
 * 1 − p_t from a log-sum-exp. Returns the loss lanes and sets gradLanes.
 */
// @ts-ignore: decorator
@inline function exactSoft(
  x: v128,
  t: v128,
  isOne: v128,
  isZero: v128,
  weighted: bool,
  alphaV: v128,
  alphaCV: v128,
  gamma: f32,
  gammaV: v128,
  scaleV: v128,
  gradOut: bool,
  quality: bool,
): v128 {
  const zero = splat(0);
  // e = exp(−|x|), s = 1/(1 + e): σ(|x|) = s and σ(−|x|) = e·s.
  const e = expNonPositive4(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(ONE, f32x4.add(ONE, e));
  const es = f32x4.mul(e, s);
  const l = log1p4(e);
  const nonNeg = f32x4.ge(x, zero);
  const p = select(s, es, nonNeg); // σ(x)
  const q = select(es, s, nonNeg); // σ(−x) = 1 − p
  const spPos = f32x4.add(f32x4.pmax(x, zero), l); // −log(1 − p)
  const spNeg = f32x4.add(f32x4.pmax(f32x4.neg(x), zero), l); // −log p
  const oneMinusT = f32x4.sub(ONE, t);
  const ce = fma(t, spNeg, f32x4.mul(oneMinusT, spPos));
  if (quality) {
    return exactQualitySoft(p, q, ce, t, oneMinusT, isOne, isZero, weighted,
      alphaV, alphaCV, gamma, gammaV, scaleV, gradOut);
  }
  const a = f32x4.sub(log4(select(ONE, t, isZero)), spPos);
  const b = f32x4.sub(log4(select(ONE, oneMinusT, isOne)), spNeg);
  const soft = f32x4.add(
    f32x4.max(a, b),
    log1p4(expNonPositive4(f32x4.neg(f32x4.abs(f32x4.sub(a, b))))),
  );
  const logQ = select(f32x4.neg(spPos), select(f32x4.neg(spNeg), soft, isZero), isOne);
  const m = exp4(f32x4.mul(gammaV, logQ));
  // p(1 − p)/(1 − p_t) ≤ 2
  const ratio = exp4(f32x4.sub(f32x4.neg(f32x4.add(spPos, spNeg)), logQ));
  const wm = f32x4.mul(alphaT4(t, weighted, alphaV, alphaCV), m);
  if (gradOut) {
    const pMinusT = f32x4.sub(f32x4.mul(oneMinusT, p), f32x4.mul(t, q));
    const slope = f32x4.sub(ONE, f32x4.add(t, t));
    const bracket = fma(gammaV, f32x4.mul(f32x4.mul(slope, ce), ratio), pMinusT);
    gradLanes = f32x4.mul(f32x4.mul(wm, scaleV), bracket);
  }
  return f32x4.mul(wm, ce);
}

/**
 * exactSoft for the Quality Focal Loss. Lanes with a soft target take the
 * base u = |t − p| = |t·σ(−x) − (1 − t)·σ(x)|, floored at FLT_MIN for the
 * gradient, with slope sign(p − t) and p(1 − p)/u by one division; the loss
 * is 0 (1 for γ = 0) on the cusp t − p = 0. Hard lanes are the focal loss's,
 * where p(1 − p)/(1 − p_t) is p (t = 1) or 1 − p (t = 0) exactly.
 */
// @ts-ignore: decorator
@inline function exactQualitySoft(
  p: v128,
  q: v128,
  ce: v128,
  t: v128,
  oneMinusT: v128,
  isOne: v128,
  isZero: v128,
  weighted: bool,
  alphaV: v128,
  alphaCV: v128,
  gamma: f32,
  gammaV: v128,
  scaleV: v128,
  gradOut: bool,
): v128 {
  const zero = splat(0);
  const hard = v128.or(isOne, isZero);
  const diff = f32x4.sub(f32x4.mul(t, q), f32x4.mul(oneMinusT, p));
  // The base: 1 − p_t = σ(∓x) on hard lanes (p and q are each accurate, no
  // cancellation), |t − p| on soft ones; floored at FLT_MIN, where p or q is
  // 0 by underflow (|x| > 87.3) only when CE is 0 too, so the loss and its
  // gradient are 0 either way. One pow (a sqrt for γ = ½) for every lane.
  const u = f32x4.max(select(select(q, p, isOne), f32x4.abs(diff), hard), V_MIN_NORMAL);
  const m = pow4(u, gamma, gammaV);
  const wm = f32x4.mul(alphaT4(t, weighted, alphaV, alphaCV), m);
  if (gradOut) {
    // p(1 − p)/u: p (t = 1) or 1 − p (t = 0) exactly on hard lanes.
    const ratio = select(select(p, q, isOne), f32x4.div(f32x4.mul(p, q), u), hard);
    // sign(p − t) = −sign(diff) on soft lanes; 1 − 2t on hard ones.
    const signPMinusT = select(
      f32x4.neg(ONE),
      select(ONE, zero, f32x4.lt(diff, zero)),
      f32x4.gt(diff, zero),
    );
    const slope = select(f32x4.sub(ONE, f32x4.add(t, t)), signPMinusT, hard);
    const pMinusT = f32x4.sub(f32x4.mul(oneMinusT, p), f32x4.mul(t, q));
    const bracket = fma(gammaV, f32x4.mul(f32x4.mul(slope, ce), ratio), pMinusT);
    gradLanes = f32x4.mul(f32x4.mul(wm, scaleV), bracket);
  }
  // On the cusp the loss is 0 for γ > 0 (for γ = 0, m is 1 there already).
  const zeroed = v128.and(v128.andnot(f32x4.eq(diff, zero), hard), f32x4.ne(gammaV, zero));
  return select(zero, f32x4.mul(wm, ce), zeroed);
}

/**
 * Exact mode on the four elements at i: stores the loss (when lossPtr ≠ 0)
 * and ∂L/∂x (when gradPtr ≠ 0), returns the loss lanes (0 past n). `full`
 * (a constant at each call) says all four lie before n, so the main loop
 * carries no tail checks.
 */
// @ts-ignore: decorator
@inline function exactBlock(
  xPtr: usize,
  tPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  i: i32,
  n: i32,
  full: bool,
  weighted: bool,
  alphaV: v128,
  alphaCV: v128,
  gamma: f32,
  gammaV: v128,
  negGammaV: v128,
  scaleV: v128,
  quality: bool,
): v128 {
  const x = full ? v128.load(at(xPtr, i)) : load4(xPtr, i, n);
  const t = full ? v128.load(at(tPtr, i)) : load4(tPtr, i, n);
  const isOne = f32x4.eq(t, ONE);
  const isZero = f32x4.eq(t, splat(0));
  const gradOut = gradPtr != 0;
  const loss = i32x4.all_true(v128.or(isOne, isZero))
    ? exactHard(
      x, isOne, isZero, weighted, alphaV, alphaCV, gamma, gammaV, negGammaV, scaleV, gradOut,
    )
    : exactSoft(
      x, t, isOne, isZero, weighted, alphaV, alphaCV, gamma, gammaV, scaleV, gradOut, quality,
    );
  if (full) {
    if (lossPtr != 0) v128.store(at(lossPtr, i), loss);
    if (gradOut) v128.store(at(gradPtr, i), gradLanes);
    return loss;
  }
  if (lossPtr != 0) store4(lossPtr, i, n, loss);
  if (gradOut) store4(gradPtr, i, n, gradLanes);
  return masked(loss, i, n);
}

/**
 * Exact mode: loss (and ∂L/∂x when gradPtr ≠ 0) of n elements; returns
 * Σ loss. qualityBase ≠ 0: the Quality Focal Loss.
 */
export function sigmoidFocalExact(
  xPtr: usize,
  tPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  n: i32,
  alpha: f32,
  alphaC: f32,
  gamma: f32,
  gradScale: f32,
  qualityBase: i32,
): f64 {
  const quality = qualityBase != 0;
  const weighted = alpha >= 0;
  const alphaV = splat(alpha);
  const alphaCV = splat(alphaC);
  const gammaV = splat(gamma);
  const negGammaV = splat(-gamma);
  const scaleV = splat(gradScale);
  let sum = f64x2.splat(0);
  let block = splat(0);
  const whole = n & ~3;
  let i = 0;
  for (let k = 0; i < whole; i += 4) {
    block = f32x4.add(
      block,
      exactBlock(
        xPtr, tPtr, lossPtr, gradPtr, i, n, true, weighted, alphaV, alphaCV, gamma, gammaV,
        negGammaV, scaleV, quality,
      ),
    );
    if (++k == FLUSH_EVERY) {
      sum = addToSum(sum, block);
      block = splat(0);
      k = 0;
    }
  }
  if (i < n) {
    block = f32x4.add(
      block,
      exactBlock(
        xPtr, tPtr, lossPtr, gradPtr, i, n, false, weighted, alphaV, alphaCV, gamma, gammaV,
        negGammaV, scaleV, quality,
      ),
    );
  }
  sum = addToSum(sum, block);
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}

/**
 * Original (ε = 0) and Eq. (11) mode on the four elements at i, op for op as
 * torchvision composes it in float32, with PyTorch's autograd gradient and
 * NaN where it is singular; returns the loss lanes (0 past n).
 *
 * Two of the composition's exps are one: BCE-with-logits takes
 * log(e^(−m) + e^(−x−m)) with m = max(−x, 0), and {e^(−m), e^(−x−m)} is
 * {1, e^(−|x|)} exactly. For γ = ½, u^(γ−1) is √u/u.
 */
// @ts-ignore: decorator
@inline function originalBlock(
  xPtr: usize,
  tPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  i: i32,
  n: i32,
  weighted: bool,
  alphaV: v128,
  alphaCV: v128,
  gamma: f32,
  gammaV: v128,
  gammaLessOneV: v128,
  epsilonV: v128,
  singularV: v128,
  scaleV: v128,
  quality: bool,
): v128 {
  const zero = splat(0);
  const x = load4(xPtr, i, n);
  const t = load4(tPtr, i, n);
  const negX = f32x4.neg(x);
  const p = f32x4.div(ONE, f32x4.add(ONE, exp4(negX)));
  const mv = f32x4.max(negX, zero);
  const oneMinusT = f32x4.sub(ONE, t);
  const ce = f32x4.add(
    f32x4.add(f32x4.mul(oneMinusT, x), mv),
    log4(f32x4.add(ONE, expNonPositive4(f32x4.neg(f32x4.abs(x))))),
  );
  const oneMinusP = f32x4.sub(ONE, p);
  const pt = f32x4.add(f32x4.mul(p, t), f32x4.mul(oneMinusP, oneMinusT));
  const tMinusP = f32x4.sub(t, p);
  const u = f32x4.add(quality ? f32x4.abs(tMinusP) : f32x4.sub(ONE, pt), epsilonV);
  const m = pow4(u, gamma, gammaV);
  const w = alphaT4(t, weighted, alphaV, alphaCV);
  const loss = f32x4.mul(w, f32x4.mul(ce, m)); // w = 1 unweighted: exact
  if (lossPtr != 0) store4(lossPtr, i, n, loss);
  if (gradPtr != 0) {
    const fromCe = f32x4.mul(f32x4.mul(w, m), f32x4.sub(p, t));
    if (gamma == 0) {
      store4(gradPtr, i, n, f32x4.mul(fromCe, scaleV));
    } else {
      const powLessOne = gamma == 0.5 ? f32x4.div(m, u) : pow4(u, gamma - 1, gammaLessOneV);
      const gU = f32x4.mul(f32x4.mul(w, ce), f32x4.mul(gammaV, powLessOne));
      // ∂u/∂p through p_t, or through |t − p|: −sign(t − p).
      const gP = quality
        ? f32x4.neg(f32x4.mul(gU, select(ONE, select(f32x4.neg(ONE), zero, f32x4.lt(tMinusP, zero)), f32x4.gt(tMinusP, zero))))
        : f32x4.neg(f32x4.sub(f32x4.mul(gU, t), f32x4.mul(gU, oneMinusT)));
      let grad = f32x4.add(fromCe, f32x4.mul(f32x4.mul(gP, oneMinusP), p));
      grad = select(NAN, grad, f32x4.le(u, singularV));
      store4(gradPtr, i, n, f32x4.mul(grad, scaleV));
    }
  }
  return masked(loss, i, n);
}

/** Original and Eq. (11) mode over n elements; returns Σ loss. */
export function sigmoidFocalOriginal(
  xPtr: usize,
  tPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  n: i32,
  alpha: f32,
  alphaC: f32,
  gamma: f32,
  epsilon: f32,
  singularBelow: f32,
  gradScale: f32,
  qualityBase: i32,
): f64 {
  const quality = qualityBase != 0;
  const weighted = alpha >= 0;
  const alphaV = splat(alpha);
  const alphaCV = splat(alphaC);
  const gammaV = splat(gamma);
  const gammaLessOneV = splat(gamma - 1);
  const epsilonV = splat(epsilon);
  const singularV = splat(singularBelow);
  const scaleV = splat(gradScale);
  let sum = f64x2.splat(0);
  let block = splat(0);
  for (let i = 0, k = 0; i < n; i += 4) {
    block = f32x4.add(
      block,
      originalBlock(
        xPtr, tPtr, lossPtr, gradPtr, i, n, weighted, alphaV, alphaCV, gamma, gammaV, gammaLessOneV,
        epsilonV, singularV, scaleV, quality,
      ),
    );
    if (++k == FLUSH_EVERY) {
      sum = addToSum(sum, block);
      block = splat(0);
      k = 0;
    }
  }
  sum = addToSum(sum, block);
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}
