// AssemblyScript source of the wasm fused sigmoid focal kernel (SIMD, f32x4).
//
// A transcription of lib/kernels/_sigmoid_focal_math.ts. The module imports
// the memory of the tfjs wasm backend and works on its tensors in place: the
// pointers are the tensors' `memoryOffset`s. It must own no static data
// (it would land in tfjs's heap), which scripts/build_wasm_kernels.ts checks.
//
// Build: deno task build:kernels (writes lib/kernels/_sigmoid_focal_wasm.ts).

// ---- vector math -----------------------------------------------------------

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.72283905206835; // exp(x) overflows above
const EXP_LO: f32 = -103.972077083991796; // exp(x) is 0 below

// @ts-ignore: decorator
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline function select(ifTrue: v128, ifFalse: v128, mask: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}

// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  // Fused where the CPU has FMA; either way within the polynomials' error.
  return f32x4.relaxed_madd(a, b, c);
}

/**
 * e^x (Cephes expf: range reduction by ln 2, degree-5 polynomial), ~1 ulp.
 * n = round(x·log₂e) comes from the 1.5·2²³ trick, whose low mantissa bits
 * are n itself, so no float↔int conversion is needed.
 */
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, splat(EXP_HI)), splat(EXP_LO));
  const shifted = fma(xc, splat(LOG2E), splat(12582912.0));
  const n = f32x4.sub(shifted, splat(12582912.0));
  let r = fma(n, splat(-LN2_HI), xc);
  r = fma(n, splat(-LN2_LO), r);
  const z = f32x4.mul(r, r);
  let y = fma(splat(1.9875691500e-4), r, splat(1.3981999507e-3));
  y = fma(y, r, splat(8.3334519073e-3));
  y = fma(y, r, splat(4.1665795894e-2));
  y = fma(y, r, splat(1.6666665459e-1));
  y = fma(y, r, splat(5.0000001201e-1));
  y = f32x4.add(fma(y, z, r), splat(1));
  // y·2^n in two steps, so that subnormal results (n < −126) stay exact.
  const ni = i32x4.sub(shifted, i32x4.splat(0x4b400000));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  const out = f32x4.mul(f32x4.mul(y, s1), s2);
  const edges = select(splat(Infinity), splat(0), f32x4.gt(x, splat(EXP_HI)));
  const out2 = select(edges, out, v128.or(f32x4.gt(x, splat(EXP_HI)), f32x4.lt(x, splat(EXP_LO))));
  return select(x, out2, f32x4.ne(x, x)); // NaN in, NaN out
}

/** log x (Cephes logf: mantissa in [√½, √2), degree-8 polynomial), ~1 ulp. */
// @ts-ignore: decorator
@inline function log4(x: v128): v128 {
  // Subnormals are scaled up by 2^23 first.
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = select(f32x4.mul(x, splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  e = select(i32x4.sub(e, i32x4.splat(23)), e, tiny);
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  // m in [1, 2): move to [√½, √2).
  const hi = f32x4.gt(m, splat(1.41421356));
  m = select(f32x4.mul(m, splat(0.5)), m, hi);
  e = select(i32x4.add(e, i32x4.splat(1)), e, hi);
  const ef = f32x4.convert_i32x4_s(e);
  const r = f32x4.sub(m, splat(1));
  const z = f32x4.mul(r, r);
  let y = fma(splat(7.0376836292e-2), r, splat(-1.1514610310e-1));
  y = fma(y, r, splat(1.1676998740e-1));
  y = fma(y, r, splat(-1.2420140846e-1));
  y = fma(y, r, splat(1.4249322787e-1));
  y = fma(y, r, splat(-1.6668057665e-1));
  y = fma(y, r, splat(2.0000714765e-1));
  y = fma(y, r, splat(-2.4999993993e-1));
  y = fma(y, r, splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, r), z);
  y = fma(ef, splat(-2.12194440e-4), y);
  y = fma(z, splat(-0.5), y);
  let out = fma(ef, splat(0.693359375), f32x4.add(r, y));
  out = select(splat(-Infinity), out, f32x4.eq(x, splat(0)));
  out = select(splat(Infinity), out, f32x4.eq(x, splat(Infinity)));
  return select(splat(NaN), out, v128.or(f32x4.lt(x, splat(0)), f32x4.ne(x, x)));
}

/**
 * log(1 + u) for u ∈ [0, 1] as u·P(u), P of degree 8 fitted to log1p(u)/u
 * for relative error (≤ 2.2e-7 evaluated in float32, ~2 ulp; the fit is in
 * scripts/fit_log1p.py). Every log1p this kernel takes has u = exp(−|·|).
 */
// @ts-ignore: decorator
@inline function log1p4(u: v128): v128 {
  let y = fma(splat(0.005232710391283035), u, splat(-0.029505306854844093));
  y = fma(y, u, splat(0.07822606712579727));
  y = fma(y, u, splat(-0.13663256168365479));
  y = fma(y, u, splat(0.1910601109266281));
  y = fma(y, u, splat(-0.24842983484268188));
  y = fma(y, u, splat(0.3331909775733948));
  y = fma(y, u, splat(-0.4999949336051941));
  y = fma(y, u, splat(0.9999999403953552));
  return f32x4.mul(y, u);
}

/**
 * base^e for base ≥ 0: exp(e·log base), with 0^0 = 1 and 0^e = 0 or ∞, and
 * the common exponents (0, ½, 1, 2) as one instruction or none.
 */
// @ts-ignore: decorator
@inline function pow4(base: v128, e: f32): v128 {
  if (e == 0) return splat(1);
  if (e == 1) return base;
  if (e == 0.5) return f32x4.sqrt(base);
  if (e == 2) return f32x4.mul(base, base);
  return exp4(f32x4.mul(splat(e), log4(base)));
}

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
