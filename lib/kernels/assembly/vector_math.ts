// Vector math (f32x4) shared by the wasm kernels: exp, log, log1p, pow and
// softplus accurate to a few ulps, with NaN in, NaN out. Every function is
// inlined into the kernel that imports it.

export const LOG2E: f32 = 1.44269504088896341;
export const LN2_HI: f32 = 0.693359375;
export const LN2_LO: f32 = -2.12194440e-4;
export const EXP_HI: f32 = 88.72283905206835; // exp(x) overflows above
export const EXP_LO: f32 = -103.972077083991796; // exp(x) is 0 below

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
 * e^x (Cephes expf: range reduction by ln 2, degree-5 polynomial), ~1 ulp.
 * n = round(x·log₂e) comes from the 1.5·2²³ trick, whose low mantissa bits
 * are n itself, so no float↔int conversion is needed.
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
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
@inline export function log4(x: v128): v128 {
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
@inline export function log1p4(u: v128): v128 {
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
@inline export function pow4(base: v128, e: f32): v128 {
  if (e == 0) return splat(1);
  if (e == 1) return base;
  if (e == 0.5) return f32x4.sqrt(base);
  if (e == 2) return f32x4.mul(base, base);
  return exp4(f32x4.mul(splat(e), log4(base)));
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)). */
// @ts-ignore: decorator
@inline export function softplus4(x: v128): v128 {
  return f32x4.add(f32x4.max(x, splat(0)), log1p4(exp4(f32x4.neg(f32x4.abs(x)))));
}
