// AssemblyScript source of the wasm Unified Focal Loss kernels (SIMD, f32x4):
// a transcription of lib/kernels/focal/_unified_focal_math.ts. Pass 1 writes
// each image's sums (TP, FN, FP, TN, Σ focal) as float32, accumulated in
// float64; pass 2 writes ∂L/∂x from each image's three coefficients.
// Imports the tfjs wasm backend's memory and owns no static data.
//
// Build: deno task build kernels (writes lib/kernels/generated/unified_focal_wasm.ts).
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
} from "./vector_math";
import { addToSum, FLUSH_EVERY, load4, masked, store4 } from "./lanes";

export { initConstants } from "./vector_math";

// Per-pixel quantities of one mode on four lanes, set by pixelLanes (module
// globals: the kernels own no memory of their own in tfjs's heap).
let P: v128 = i32x4.splat(0);
let Q: v128 = i32x4.splat(0);
/** −log p (exact: softplus(−x); original: BCE-with-logits against 1). */
let CE_FG: v128 = i32x4.splat(0);
/** −log(1 − p). */
let CE_BG: v128 = i32x4.splat(0);
/** The background factor p^γ or (1 − (1 − p) + ε)^γ. */
let BG: v128 = i32x4.splat(0);
/** Original mode: its base (1 − (1 − p)) + ε. */
let BASE: v128 = i32x4.splat(0);

/** Sets P, Q, CE_FG, CE_BG, BG (and BASE) for four logits. */
// @ts-ignore: decorator
@inline function pixelLanes(
  x: v128,
  exact: bool,
  gamma: f32,
  gammaV: v128,
  epsilonV: v128,
): void {
  const zero = splat(0);
  const e = expNonPositive4(f32x4.neg(f32x4.abs(x)));
  if (exact) {
    // σ(|x|) = s and σ(−|x|) = e·s: p and q without two more exps.
    const sig = f32x4.div(ONE, f32x4.add(ONE, e));
    const es = f32x4.mul(e, sig);
    const nonNeg = f32x4.ge(x, zero);
    const l = log1p4(e);
    const spNeg = f32x4.add(f32x4.pmax(f32x4.neg(x), zero), l);
    P = select(sig, es, nonNeg);
    Q = select(es, sig, nonNeg);
    CE_FG = spNeg;
    CE_BG = f32x4.add(f32x4.pmax(x, zero), l);
    // p^γ: by sqrt or a product for the common γ, else e^(−γ·softplus(−x)).
    BG = gamma == 0.5 || gamma == 1 || gamma == 2
      ? pow4(P, gamma, gammaV)
      : exp4(f32x4.mul(f32x4.neg(gammaV), spNeg));
    return;
  }
  const negX = f32x4.neg(x);
  const p = f32x4.div(ONE, f32x4.add(ONE, exp4(negX)));
  const q = f32x4.sub(ONE, p);
  const mv = f32x4.max(negX, zero);
  // log(e^(−m) + e^(−x−m)) with {e^(−m), e^(−x−m)} = {1, e^(−|x|)}.
  const lse = log4(f32x4.add(ONE, e));
  const base = f32x4.add(f32x4.sub(ONE, q), epsilonV);
  P = p;
  Q = q;
  CE_FG = f32x4.add(mv, lse);
  CE_BG = f32x4.add(f32x4.add(x, mv), lse);
  BASE = base;
  BG = pow4(base, gamma, gammaV);
}

/**
 * Pass 1: for each of `images` images of `pixels` pixels, the five sums as
 * float32 at sumsPtr[5·b …]. exact ≠ 0: the exact mode.
 */
export function unifiedFocalSums(
  xPtr: usize,
  tPtr: usize,
  sumsPtr: usize,
  images: i32,
  pixels: i32,
  exactMode: i32,
  delta: f32,
  gamma: f32,
  epsilon: f32,
): void {
  const exact = exactMode != 0;
  const gammaV = splat(gamma);
  const epsilonV = splat(epsilon);
  const deltaV = splat(delta);
  const deltaCV = splat(1 - delta);
  for (let b = 0; b < images; b++) {
    const x0 = xPtr + ((<usize>b * <usize>pixels) << 2);
    const t0 = tPtr + ((<usize>b * <usize>pixels) << 2);
    let sTP = f64x2.splat(0), sFN = f64x2.splat(0), sFP = f64x2.splat(0);
    let sTN = f64x2.splat(0), sF = f64x2.splat(0);
    let bTP = splat(0), bFN = splat(0), bFP = splat(0), bTN = splat(0), bF = splat(0);
    for (let i = 0, k = 0; i < pixels; i += 4) {
      const x = load4(x0, i, pixels);
      const y = load4(t0, i, pixels);
      pixelLanes(x, exact, gamma, gammaV, epsilonV);
      const notY = f32x4.sub(ONE, y);
      // Past the end y = 0 but p and q are not: mask those lanes out.
      bTP = f32x4.add(bTP, masked(f32x4.mul(y, P), i, pixels));
      bFN = f32x4.add(bFN, masked(f32x4.mul(y, Q), i, pixels));
      bFP = f32x4.add(bFP, masked(f32x4.mul(notY, P), i, pixels));
      bTN = f32x4.add(bTN, masked(f32x4.mul(notY, Q), i, pixels));
      const focal = fma(
        f32x4.mul(deltaV, y),
        CE_FG,
        f32x4.mul(f32x4.mul(f32x4.mul(deltaCV, notY), BG), CE_BG),
      );
      bF = f32x4.add(bF, masked(focal, i, pixels));
      if (++k == FLUSH_EVERY) {
        sTP = addToSum(sTP, bTP);
        sFN = addToSum(sFN, bFN);
        sFP = addToSum(sFP, bFP);
        sTN = addToSum(sTN, bTN);
        sF = addToSum(sF, bF);
        bTP = splat(0);
        bFN = splat(0);
        bFP = splat(0);
        bTN = splat(0);
        bF = splat(0);
        k = 0;
      }
    }
    const out = sumsPtr + ((<usize>b * 5) << 2);
    store<f32>(out, <f32>total(addToSum(sTP, bTP)));
    store<f32>(out + 4, <f32>total(addToSum(sFN, bFN)));
    store<f32>(out + 8, <f32>total(addToSum(sFP, bFP)));
    store<f32>(out + 12, <f32>total(addToSum(sTN, bTN)));
    store<f32>(out + 16, <f32>total(addToSum(sF, bF)));
  }
}

// @ts-ignore: decorator
@inline function total(sum: v128): f64 {
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}

/**
 * Pass 2: ∂L/∂x of every pixel from its image's coefficients at
 * coefPtr[3·b …] = (∂TP − ∂FN, ∂FP − ∂TN, ∂Σfocal); NaN in the original mode
 * where the background base is at or below singularBelow.
 */
export function unifiedFocalGrad(
  xPtr: usize,
  tPtr: usize,
  coefPtr: usize,
  gradPtr: usize,
  images: i32,
  pixels: i32,
  exactMode: i32,
  delta: f32,
  gamma: f32,
  epsilon: f32,
  singularBelow: f32,
): void {
  const exact = exactMode != 0;
  const gammaV = splat(gamma);
  const gammaLessOneV = splat(gamma - 1);
  const epsilonV = splat(epsilon);
  const deltaV = splat(delta);
  const deltaCV = splat(1 - delta);
  const singularV = splat(singularBelow);
  for (let b = 0; b < images; b++) {
    const offset = (<usize>b * <usize>pixels) << 2;
    const c = coefPtr + ((<usize>b * 3) << 2);
    const ca = splat(load<f32>(c));
    const cc = splat(load<f32>(c + 4));
    const gF = splat(load<f32>(c + 8));
    for (let i = 0; i < pixels; i += 4) {
      const x = load4(xPtr + offset, i, pixels);
      const y = load4(tPtr + offset, i, pixels);
      pixelLanes(x, exact, gamma, gammaV, epsilonV);
      const notY = f32x4.sub(ONE, y);
      const counts = fma(ca, y, f32x4.mul(cc, notY));
      const p = P;
      const q = Q;
      const bgTerm = f32x4.mul(f32x4.mul(deltaCV, notY), BG);
      let grad: v128;
      if (exact) {
        // counts·p·q + gF·(−δ·y·q + (1 − δ)(1 − y)·p^γ·(p + γ·q·spPos))
        const focal = fma(
          f32x4.neg(f32x4.mul(deltaV, y)),
          q,
          f32x4.mul(bgTerm, fma(f32x4.mul(gammaV, q), CE_BG, p)),
        );
        grad = fma(f32x4.mul(counts, p), q, f32x4.mul(gF, focal));
      } else {
        const base = BASE;
        const powLessOne = gamma == 1 ? ONE : pow4(base, gamma - 1, gammaLessOneV);
        const gBase = f32x4.mul(
          f32x4.mul(f32x4.mul(f32x4.mul(gF, deltaCV), notY), CE_BG),
          f32x4.mul(gammaV, powLessOne),
        );
        const focal = fma(f32x4.mul(deltaV, y), f32x4.sub(p, ONE), f32x4.mul(bgTerm, p));
        grad = fma(
          f32x4.mul(f32x4.add(counts, gBase), q),
          p,
          f32x4.mul(gF, focal),
        );
        grad = select(NAN, grad, f32x4.le(base, singularV));
      }
      store4(gradPtr + offset, i, pixels, grad);
    }
  }
}
