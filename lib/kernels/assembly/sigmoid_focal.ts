// AssemblyScript source of the wasm fused sigmoid focal kernel (SIMD, f32x4).
//
// A transcription of lib/kernels/_sigmoid_focal_math.ts. The module imports
// the memory of the tfjs wasm backend and works on its tensors in place: the
// pointers are the tensors' `memoryOffset`s. It must own no static data
// (it would land in tfjs's heap), which scripts/build_wasm_kernels.ts checks.
//
// Build: deno task build:kernels (writes lib/kernels/_sigmoid_focal_wasm.ts).

import { exp4, fma, log1p4, log4, pow4, select, splat } from "./vector_math";

// ---- lanes in and out ------------------------------------------------------

// @ts-ignore: decorator
@inline function at(ptr: usize, i: i32): usize {
  return ptr + (<usize>i << 2);
}

/** Four lanes from ptr[i…]; past n (the tail), lanes are 0. */
// @ts-ignore: decorator
@inline function load4(ptr: usize, i: i32, n: i32): v128 {
  if (i + 4 <= n) return v128.load(at(ptr, i));
  let v = f32x4.replace_lane(splat(0), 0, load<f32>(at(ptr, i)));
  if (i + 1 < n) v = f32x4.replace_lane(v, 1, load<f32>(at(ptr, i + 1)));
  if (i + 2 < n) v = f32x4.replace_lane(v, 2, load<f32>(at(ptr, i + 2)));
  return v;
}

/** Stores the lanes of v that fall before n. */
// @ts-ignore: decorator
@inline function store4(ptr: usize, i: i32, n: i32, v: v128): void {
  if (i + 4 <= n) {
    v128.store(at(ptr, i), v);
    return;
  }
  store<f32>(at(ptr, i), f32x4.extract_lane(v, 0));
  if (i + 1 < n) store<f32>(at(ptr, i + 1), f32x4.extract_lane(v, 1));
  if (i + 2 < n) store<f32>(at(ptr, i + 2), f32x4.extract_lane(v, 2));
}

/**
 * α_t = α·t + (1 − α)·(1 − t); the caller passes 1 − α computed in float64,
 * as the composed form gets it (1 − α in float32 cancels for α near 1).
 */
/** sum + the lanes of v before n, in float64. */
// @ts-ignore: decorator
@inline function accumulate(sum: v128, v: v128, i: i32, n: i32): v128 {
  let w = v;
  if (i + 4 > n) {
    const lanes = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
    w = v128.and(v, i32x4.lt_s(lanes, i32x4.splat(n)));
  }
  const high = v128.shuffle<f32>(w, w, 2, 3, 0, 1);
  return f64x2.add(f64x2.add(sum, f64x2.promote_low_f32x4(w)), f64x2.promote_low_f32x4(high));
}

// @ts-ignore: decorator
@inline function alphaT4(t: v128, alpha: f32, alphaC: f32): v128 {
  if (alpha < 0) return splat(1);
  return f32x4.add(
    f32x4.mul(splat(alpha), t),
    f32x4.mul(splat(alphaC), f32x4.sub(splat(1), t)),
  );
}

// ---- kernels ---------------------------------------------------------------

/**
 * Exact mode: loss (and ∂L/∂x when gradPtr ≠ 0) of n elements. Blocks whose
 * four targets are all hard (0 or 1) skip the soft-target log-sum-exp.
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
): f64 {
  const one = splat(1);
  const zero = splat(0);
  let sum = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const x = load4(xPtr, i, n);
    const t = load4(tPtr, i, n);
    // e = exp(−|x|), s = 1/(1 + e): σ(|x|) = s and σ(−|x|) = e·s.
    const e = exp4(f32x4.neg(f32x4.abs(x)));
    const w1 = f32x4.add(one, e);
    const s = f32x4.div(one, w1);
    const es = f32x4.mul(e, s);
    const l = log1p4(e);
    const nonNeg = f32x4.ge(x, zero);
    const p = select(s, es, nonNeg); // σ(x)
    const q = select(es, s, nonNeg); // σ(−x) = 1 − p
    const spPos = f32x4.add(f32x4.pmax(x, zero), l); // −log(1 − p)
    const spNeg = f32x4.add(f32x4.pmax(f32x4.neg(x), zero), l); // −log p
    const oneMinusT = f32x4.sub(one, t);
    const ce = fma(t, spNeg, f32x4.mul(oneMinusT, spPos));
    const isOne = f32x4.eq(t, one);
    const isZero = f32x4.eq(t, zero);
    let m: v128;
    let ratio: v128; // p(1 − p)/(1 − p_t) ≤ 2
    if (i32x4.all_true(v128.or(isOne, isZero))) {
      // Hard targets: 1 − p_t is σ(∓x) itself and the ratio is σ(±x).
      const qt = select(q, p, isOne);
      m = gamma == 0.5 || gamma == 1 || gamma == 2 || gamma == 0
        ? pow4(qt, gamma)
        : exp4(f32x4.mul(splat(-gamma), select(spPos, spNeg, isOne)));
      ratio = select(p, q, isOne);
    } else {
      const a = f32x4.sub(log4(select(one, t, isZero)), spPos);
      const b = f32x4.sub(log4(select(one, oneMinusT, isOne)), spNeg);
      const soft = f32x4.add(
        f32x4.max(a, b),
        log1p4(exp4(f32x4.neg(f32x4.abs(f32x4.sub(a, b))))),
      );
      const logQ = select(f32x4.neg(spPos), select(f32x4.neg(spNeg), soft, isZero), isOne);
      m = exp4(f32x4.mul(splat(gamma), logQ));
      ratio = exp4(f32x4.sub(f32x4.neg(f32x4.add(spPos, spNeg)), logQ));
    }
    const w = alphaT4(t, alpha, alphaC);
    const wm = f32x4.mul(w, m);
    const loss = f32x4.mul(wm, ce);
    if (lossPtr != 0) store4(lossPtr, i, n, loss);
    sum = accumulate(sum, loss, i, n);
    if (gradPtr == 0) continue;
    const pMinusT = f32x4.sub(f32x4.mul(oneMinusT, p), f32x4.mul(t, q));
    const slope = f32x4.sub(one, f32x4.add(t, t));
    const bracket = fma(splat(gamma), f32x4.mul(f32x4.mul(slope, ce), ratio), pMinusT);
    store4(gradPtr, i, n, f32x4.mul(f32x4.mul(wm, splat(gradScale)), bracket));
  }
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}

/**
 * Original (ε = 0) and Eq. (11) mode, op for op as torchvision composes it in
 * float32, with PyTorch's autograd gradient and NaN where it is singular.
 */
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
): f64 {
  const one = splat(1);
  const zero = splat(0);
  let sum = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const x = load4(xPtr, i, n);
    const t = load4(tPtr, i, n);
    const negX = f32x4.neg(x);
    const p = f32x4.div(one, f32x4.add(one, exp4(negX)));
    const mv = f32x4.max(negX, zero);
    const oneMinusT = f32x4.sub(one, t);
    const ce = f32x4.add(
      f32x4.add(f32x4.mul(oneMinusT, x), mv),
      log4(f32x4.add(exp4(f32x4.neg(mv)), exp4(f32x4.sub(negX, mv)))),
    );
    const oneMinusP = f32x4.sub(one, p);
    const pt = f32x4.add(f32x4.mul(p, t), f32x4.mul(oneMinusP, oneMinusT));
    const u = f32x4.add(f32x4.sub(one, pt), splat(epsilon));
    const m = pow4(u, gamma);
    const w = alphaT4(t, alpha, alphaC);
    const loss = alpha < 0 ? f32x4.mul(ce, m) : f32x4.mul(w, f32x4.mul(ce, m));
    if (lossPtr != 0) store4(lossPtr, i, n, loss);
    sum = accumulate(sum, loss, i, n);
    if (gradPtr == 0) continue;
    const fromCe = f32x4.mul(f32x4.mul(w, m), f32x4.sub(p, t));
    if (gamma == 0) {
      store4(gradPtr, i, n, f32x4.mul(fromCe, splat(gradScale)));
      continue;
    }
    const gU = f32x4.mul(
      f32x4.mul(w, ce),
      f32x4.mul(splat(gamma), pow4(u, gamma - 1)),
    );
    const gP = f32x4.neg(f32x4.sub(f32x4.mul(gU, t), f32x4.mul(gU, oneMinusT)));
    let grad = f32x4.add(fromCe, f32x4.mul(f32x4.mul(gP, oneMinusP), p));
    grad = select(splat(NaN), grad, f32x4.le(u, splat(singularBelow)));
    store4(gradPtr, i, n, f32x4.mul(grad, splat(gradScale)));
  }
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}
