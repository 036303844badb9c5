// Vector math (f32x4) shared by the wasm kernels: exp, log, log1p, pow and
// softplus accurate to a few ulps, with NaN in, NaN out. Every function is
// inlined into the kernel that imports it.

export const LOG2E: f32 = 1.44269504088896341;
export const LN2_HI: f32 = 0.693359375;
export const LN2_LO: f32 = -2.12194440e-4;
export const EXP_HI: f32 = 88.72283905206835; // exp(x) overflows above
export const EXP_LO: f32 = -103.972077083991796; // exp(x) is 0 below

// ---- vector constants --------------------------------------------------------
//
// V8 rebuilds a v128.const at every use inside a loop (4–5 instructions),
// while a v128 global is one load it can keep in a register: an 8-step
// polynomial ran 3.2× faster that way (scratch measurement, 3.6 → 1.1 ns
// per vector). So the constants the loops use are mutable globals, zero until
// `initConstants` sets them: Binaryen cannot fold a global that is written
// outside its initializer back into v128.const. Globals belong to the module
// instance, not to the tfjs heap the kernels work in. The loaders call
// `initConstants` once per instance (lib/kernels/_wasm_kernel.ts).

export let ONE: v128 = i32x4.splat(0);
export let HALF: v128 = i32x4.splat(0);
export let NAN: v128 = i32x4.splat(0);
export let INF: v128 = i32x4.splat(0);
export let NEG_INF: v128 = i32x4.splat(0);
// exp
let V_EXP_HI: v128 = i32x4.splat(0);
let V_EXP_LO: v128 = i32x4.splat(0);
let V_LN_MIN_NORMAL: v128 = i32x4.splat(0); // ln 2^−126
let V_LOG2E: v128 = i32x4.splat(0);
let V_SHIFT: v128 = i32x4.splat(0); // 1.5·2²³; as bits, 0x4b400000
let V_NEG_LN2_HI: v128 = i32x4.splat(0);
let V_NEG_LN2_LO: v128 = i32x4.splat(0);
let V_LN2_HI: v128 = i32x4.splat(0);
let V_LN2_LO: v128 = i32x4.splat(0);
let V_I127: v128 = i32x4.splat(0);
let EXP_P0: v128 = i32x4.splat(0);
let EXP_P1: v128 = i32x4.splat(0);
let EXP_P2: v128 = i32x4.splat(0);
let EXP_P3: v128 = i32x4.splat(0);
let EXP_P4: v128 = i32x4.splat(0);
let EXP_P5: v128 = i32x4.splat(0);
// log
export let V_MIN_NORMAL: v128 = i32x4.splat(0); // the smallest normal float32
let V_TWO_23: v128 = i32x4.splat(0);
let V_MANTISSA: v128 = i32x4.splat(0);
let V_SQRT2: v128 = i32x4.splat(0);
let V_I1: v128 = i32x4.splat(0);
let V_I23: v128 = i32x4.splat(0);
let V_NEG_HALF: v128 = i32x4.splat(0);
let LOG_P0: v128 = i32x4.splat(0);
let LOG_P1: v128 = i32x4.splat(0);
let LOG_P2: v128 = i32x4.splat(0);
let LOG_P3: v128 = i32x4.splat(0);
let LOG_P4: v128 = i32x4.splat(0);
let LOG_P5: v128 = i32x4.splat(0);
let LOG_P6: v128 = i32x4.splat(0);
let LOG_P7: v128 = i32x4.splat(0);
let LOG_P8: v128 = i32x4.splat(0);
// log1p
let L1P_P0: v128 = i32x4.splat(0);
let L1P_P1: v128 = i32x4.splat(0);
let L1P_P2: v128 = i32x4.splat(0);
let L1P_P3: v128 = i32x4.splat(0);
let L1P_P4: v128 = i32x4.splat(0);
let L1P_P5: v128 = i32x4.splat(0);
let L1P_P6: v128 = i32x4.splat(0);
let L1P_P7: v128 = i32x4.splat(0);
let L1P_P8: v128 = i32x4.splat(0);

/** Sets the vector constants; the loaders call it once per instance. */
export function initConstants(): void {
  ONE = splat(1);
  HALF = splat(0.5);
  NAN = splat(NaN);
  INF = splat(Infinity);
  NEG_INF = splat(-Infinity);
  V_EXP_HI = splat(EXP_HI);
  V_EXP_LO = splat(EXP_LO);
  V_LN_MIN_NORMAL = splat(-87.33654475);
  V_LOG2E = splat(LOG2E);
  V_SHIFT = splat(12582912.0);
  V_NEG_LN2_HI = splat(-LN2_HI);
  V_NEG_LN2_LO = splat(-LN2_LO);
  V_LN2_HI = splat(LN2_HI);
  V_LN2_LO = splat(LN2_LO);
  V_I127 = i32x4.splat(127);
  // Cephes expf, highest degree first.
  EXP_P0 = splat(1.9875691500e-4);
  EXP_P1 = splat(1.3981999507e-3);
  EXP_P2 = splat(8.3334519073e-3);
  EXP_P3 = splat(4.1665795894e-2);
  EXP_P4 = splat(1.6666665459e-1);
  EXP_P5 = splat(5.0000001201e-1);
  V_MIN_NORMAL = splat(1.17549435e-38);
  V_TWO_23 = splat(8388608.0);
  V_MANTISSA = i32x4.splat(0x007fffff);
  V_SQRT2 = splat(1.41421356);
  V_I1 = i32x4.splat(1);
  V_I23 = i32x4.splat(23);
  V_NEG_HALF = splat(-0.5);
  // Cephes logf.
  LOG_P0 = splat(7.0376836292e-2);
  LOG_P1 = splat(-1.1514610310e-1);
  LOG_P2 = splat(1.1676998740e-1);
  LOG_P3 = splat(-1.2420140846e-1);
  LOG_P4 = splat(1.4249322787e-1);
  LOG_P5 = splat(-1.6668057665e-1);
  LOG_P6 = splat(2.0000714765e-1);
  LOG_P7 = splat(-2.4999993993e-1);
  LOG_P8 = splat(3.3333331174e-1);
  // log1p(u)/u on [0, 1] (scripts/fit_log1p.py).
  L1P_P0 = splat(0.005232710391283035);
  L1P_P1 = splat(-0.029505306854844093);
  L1P_P2 = splat(0.07822606712579727);
  L1P_P3 = splat(-0.13663256168365479);
  L1P_P4 = splat(0.1910601109266281);
  L1P_P5 = splat(-0.24842983484268188);
  L1P_P6 = splat(0.3331909775733948);
  L1P_P7 = splat(-0.4999949336051941);
  L1P_P8 = splat(0.9999999403953552);
}

// ---- functions ---------------------------------------------------------------

/**
 * A runtime scalar in all four lanes. For a kernel argument, take it once
 * before the loop: a splat inside the loop is rebuilt on every iteration.
 */
// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline export function select(ifTrue: v128, ifFalse: v128, mask: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}

// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  // Fused where the CPU has FMA; either way within the polynomials' error.
  return f32x4.relaxed_madd(a, b, c);
}

/**
 * Range reduction for e^x (Cephes expf): n = round(x·log₂e) comes from the
 * 1.5·2²³ trick, `shifted`, whose low mantissa bits are n itself, so no
 * float↔int conversion is needed.
 */
// @ts-ignore: decorator
@inline function expShifted(xc: v128): v128 {
  return fma(xc, V_LOG2E, V_SHIFT);
}

/** e^r for r = x − n·ln 2 (degree-5 polynomial), ~1 ulp: e^x = this · 2^n. */
// @ts-ignore: decorator
@inline function expReduced(xc: v128, shifted: v128): v128 {
  const n = f32x4.sub(shifted, V_SHIFT);
  let r = fma(n, V_NEG_LN2_HI, xc);
  r = fma(n, V_NEG_LN2_LO, r);
  const z = f32x4.mul(r, r);
  let y = fma(EXP_P0, r, EXP_P1);
  y = fma(y, r, EXP_P2);
  y = fma(y, r, EXP_P3);
  y = fma(y, r, EXP_P4);
  y = fma(y, r, EXP_P5);
  return f32x4.add(fma(y, z, r), ONE);
}

/** n of `shifted` (see expShifted) as int32 lanes. */
// @ts-ignore: decorator
@inline function expPower(shifted: v128): v128 {
  return i32x4.sub(shifted, V_SHIFT);
}

/**
 * e^x of x clamped to [EXP_LO, EXP_HI], ~1 ulp, with y·2^n taken in two
 * steps so that subnormal results stay exact.
 */
// @ts-ignore: decorator
@inline function expClamped4(xc: v128): v128 {
  const shifted = expShifted(xc);
  const y = expReduced(xc, shifted);
  const ni = expPower(shifted);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, V_I127), 23);
  const s2 = i32x4.shl(i32x4.add(n2, V_I127), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** e^x, ~1 ulp: ∞ above EXP_HI, 0 below EXP_LO, NaN for NaN. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  const out = expClamped4(f32x4.pmax(f32x4.pmin(x, V_EXP_HI), V_EXP_LO));
  const above = f32x4.gt(x, V_EXP_HI);
  const edges = select(INF, splat(0), above);
  const out2 = select(edges, out, v128.or(above, f32x4.lt(x, V_EXP_LO)));
  return select(x, out2, f32x4.ne(x, x)); // NaN in, NaN out
}

/**
 * e^x for x ≤ 0 (or NaN), as the kernels' exp(−|x|): expClamped4 with one
 * 2^n scaling, and 0 where e^x is not a normal float32 (x < ln 2^−126), as
 * tfjs's own float32 sigmoid gives there. NaN passes through the polynomial.
 */
// @ts-ignore: decorator
@inline export function expNonPositive4(x: v128): v128 {
  const xc = f32x4.pmax(x, V_LN_MIN_NORMAL);
  const shifted = expShifted(xc);
  const scale = i32x4.shl(i32x4.add(expPower(shifted), V_I127), 23);
  return v128.andnot(f32x4.mul(expReduced(xc, shifted), scale), f32x4.lt(x, V_LN_MIN_NORMAL));
}

/** log x (Cephes logf: mantissa in [√½, √2), degree-8 polynomial), ~1 ulp. */
// @ts-ignore: decorator
@inline export function log4(x: v128): v128 {
  // Subnormals are scaled up by 2^23 first.
  const tiny = f32x4.lt(x, V_MIN_NORMAL);
  const xs = select(f32x4.mul(x, V_TWO_23), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), V_I127);
  e = select(i32x4.sub(e, V_I23), e, tiny);
  // Mantissa with exponent 0 (ONE's bits), in [1, 2): move to [√½, √2).
  let m = v128.or(v128.and(xs, V_MANTISSA), ONE);
  const hi = f32x4.gt(m, V_SQRT2);
  m = select(f32x4.mul(m, HALF), m, hi);
  e = select(i32x4.add(e, V_I1), e, hi);
  const ef = f32x4.convert_i32x4_s(e);
  const r = f32x4.sub(m, ONE);
  const z = f32x4.mul(r, r);
  let y = fma(LOG_P0, r, LOG_P1);
  y = fma(y, r, LOG_P2);
  y = fma(y, r, LOG_P3);
  y = fma(y, r, LOG_P4);
  y = fma(y, r, LOG_P5);
  y = fma(y, r, LOG_P6);
  y = fma(y, r, LOG_P7);
  y = fma(y, r, LOG_P8);
  y = f32x4.mul(f32x4.mul(y, r), z);
  y = fma(ef, V_LN2_LO, y);
  y = fma(z, V_NEG_HALF, y);
  let out = fma(ef, V_LN2_HI, f32x4.add(r, y));
  out = select(NEG_INF, out, f32x4.eq(x, splat(0)));
  out = select(INF, out, f32x4.eq(x, INF));
  return select(NAN, out, v128.or(f32x4.lt(x, splat(0)), f32x4.ne(x, x)));
}

/**
 * log(1 + u) for u ∈ [0, 1] as u·P(u), P of degree 8 fitted to log1p(u)/u
 * for relative error (≤ 2.2e-7 evaluated in float32, ~2 ulp; the fit is in
 * scripts/fit_log1p.py). Every log1p this kernel takes has u = exp(−|·|).
 */
// @ts-ignore: decorator
@inline export function log1p4(u: v128): v128 {
  let y = fma(L1P_P0, u, L1P_P1);
  y = fma(y, u, L1P_P2);
  y = fma(y, u, L1P_P3);
  y = fma(y, u, L1P_P4);
  y = fma(y, u, L1P_P5);
  y = fma(y, u, L1P_P6);
  y = fma(y, u, L1P_P7);
  y = fma(y, u, L1P_P8);
  return f32x4.mul(y, u);
}

/**
 * base^e for base ≥ 0: exp(e·log base), with 0^0 = 1 and 0^e = 0 or ∞, and
 * the common exponents (0, ½, 1, 2) as one instruction or none. `ev` is e in
 * four lanes, taken before the loop.
 */
// @ts-ignore: decorator
@inline export function pow4(base: v128, e: f32, ev: v128): v128 {
  if (e == 0) return ONE;
  if (e == 1) return base;
  if (e == 0.5) return f32x4.sqrt(base);
  if (e == 2) return f32x4.mul(base, base);
  return exp4(f32x4.mul(ev, log4(base)));
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)). */
// @ts-ignore: decorator
@inline export function softplus4(x: v128): v128 {
  return f32x4.add(f32x4.max(x, splat(0)), log1p4(expNonPositive4(f32x4.neg(f32x4.abs(x)))));
}
