// AssemblyScript source of the wasm fused softmax focal kernel (SIMD, f32x4,
// four rows per step: lane k holds row r + k, so any class count works).
//
// A transcription of lib/kernels/_softmax_focal_math.ts, rearranged so that
// the transcendentals fall on the classes off the top, where p ≤ 1/2:
//   log p = z − lse, p = exp(log p), R = −p·log p/(1 − p) (a division),
// while the top class's terms come once per row from
//   S = Σ_{j≠top} exp(z_j − z_top), d_top = −log S,
//   log p_top = −softplus(log S), log(1 − p_top) = −softplus(−log S).
// Imports the tfjs wasm backend's memory and owns no static data, like
// sigmoid_focal.ts, whose vector math it shares.
import {
  exp4,
  fma,
  HALF,
  initConstants as initVectorConstants,
  log1p4,
  log4,
  NAN,
  ONE,
  pow4,
  select,
  softplus4,
  splat,
} from "./vector_math";

/** Where the top class's ratio switches form (see vector_math.ts on constants). */
let FIFTEEN: v128 = i32x4.splat(0);

/** Sets the vector constants; the loader calls it once per instance. */
export function initConstants(): void {
  initVectorConstants();
  FIFTEEN = splat(15);
}

/** Column j of rows at byte offsets o0…o3 (the last row repeats past the end). */
// @ts-ignore: decorator
@inline function gather(ptr: usize, o0: usize, o1: usize, o2: usize, o3: usize, j: i32): v128 {
  const at = ptr + (<usize>j << 2);
  let v = f32x4.splat(load<f32>(at + o0));
  v = f32x4.replace_lane(v, 1, load<f32>(at + o1));
  v = f32x4.replace_lane(v, 2, load<f32>(at + o2));
  v = f32x4.replace_lane(v, 3, load<f32>(at + o3));
  return v;
}

/** Stores column j of the rows that exist (the first `live`). */
// @ts-ignore: decorator
@inline function scatter(
  ptr: usize,
  o0: usize,
  o1: usize,
  o2: usize,
  o3: usize,
  j: i32,
  live: i32,
  v: v128,
): void {
  const at = ptr + (<usize>j << 2);
  store<f32>(at + o0, f32x4.extract_lane(v, 0));
  if (live > 1) store<f32>(at + o1, f32x4.extract_lane(v, 1));
  if (live > 2) store<f32>(at + o2, f32x4.extract_lane(v, 2));
  if (live > 3) store<f32>(at + o3, f32x4.extract_lane(v, 3));
}

/** Stores the block's per-row values (loss) for rows that exist. */
// @ts-ignore: decorator
@inline function storeRows(ptr: usize, r: i32, live: i32, v: v128): void {
  const at = ptr + (<usize>r << 2);
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (live > 1) store<f32>(at + 4, f32x4.extract_lane(v, 1));
  if (live > 2) store<f32>(at + 8, f32x4.extract_lane(v, 2));
  if (live > 3) store<f32>(at + 12, f32x4.extract_lane(v, 3));
}

/**
 * The class indices of four rows (int32, at labelsPtr), the last row
 * repeating past the end; a row whose index is `ignoreIndex` gets −1, which
 * no class matches, so its weights, loss and gradient are 0.
 */
// @ts-ignore: decorator
@inline function gatherLabels(labelsPtr: usize, r: i32, rows: i32, ignoreIndex: i32): v128 {
  const last = rows - 1;
  let v = i32x4.splat(load<i32>(labelsPtr + (<usize>min(r, last) << 2)));
  v = i32x4.replace_lane(v, 1, load<i32>(labelsPtr + (<usize>min(r + 1, last) << 2)));
  v = i32x4.replace_lane(v, 2, load<i32>(labelsPtr + (<usize>min(r + 2, last) << 2)));
  v = i32x4.replace_lane(v, 3, load<i32>(labelsPtr + (<usize>min(r + 3, last) << 2)));
  return select(i32x4.splat(-1), v, i32x4.eq(v, i32x4.splat(ignoreIndex)));
}

/**
 * Column j of the weights: gathered from the [rows, c] weights at wPtr, or
 * (`labelled`) `weight` where a row's class index is j and 0 elsewhere, so
 * that class indices need no one-hot array.
 */
// @ts-ignore: decorator
@inline function weightColumn(
  labelled: bool,
  wPtr: usize,
  o0: usize,
  o1: usize,
  o2: usize,
  o3: usize,
  labels: v128,
  weight: v128,
  j: i32,
): v128 {
  if (labelled) return v128.and(weight, i32x4.eq(labels, i32x4.splat(j)));
  return gather(wPtr, o0, o1, o2, o3, j);
}

/**
 * Exact mode over rows × c logits z and weights w (α_c·y_c): writes the row
 * losses to lossPtr and, when gradPtr ≠ 0, ∂L/∂z. Each block of four rows is
 * read once, column by column, into `scratch` (48·c bytes: the shifted logits
 * z_j − z_top, e_j and ψ_j as vectors), which the later passes load whole.
 */
export function softmaxFocalExact(
  zPtr: usize,
  wPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  gamma: f32,
): void {
  exact(false, zPtr, wPtr, lossPtr, gradPtr, scratch, rows, c, gamma, 0, -1);
}

/**
 * Exact mode with int32 class indices at labelsPtr (one per row) in place of
 * the weights: the weight is `weight` (α) at a row's class, 0 elsewhere, and
 * 0 throughout a row whose index is `ignoreIndex`.
 */
export function softmaxFocalExactLabels(
  zPtr: usize,
  labelsPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  gamma: f32,
  weight: f32,
  ignoreIndex: i32,
): void {
  exact(true, zPtr, labelsPtr, lossPtr, gradPtr, scratch, rows, c, gamma, weight, ignoreIndex);
}

// @ts-ignore: decorator
@inline function exact(
  labelled: bool,
  zPtr: usize,
  wPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  gamma: f32,
  weight: f32,
  ignoreIndex: i32,
): void {
  const weightV = splat(weight);
  const one = ONE;
  const zero = splat(0);
  const g = splat(gamma);
  const shiftedAt = scratch;
  const eAt = scratch + (<usize>c << 4);
  const psiAt = scratch + (<usize>c << 5);
  for (let r = 0; r < rows; r += 4) {
    const last = rows - 1;
    const stride = <usize>c << 2;
    const o0 = <usize>min(r, last) * stride;
    const o1 = <usize>min(r + 1, last) * stride;
    const o2 = <usize>min(r + 2, last) * stride;
    const o3 = <usize>min(r + 3, last) * stride;
    const live = min(4, rows - r);
    const labels = labelled ? gatherLabels(wPtr, r, rows, ignoreIndex) : i32x4.splat(0);
    // The logits, and the first maximum of each row.
    let top = gather(zPtr, o0, o1, o2, o3, 0);
    let topIndex = i32x4.splat(0);
    v128.store(shiftedAt, top);
    for (let j = 1; j < c; j++) {
      const v = gather(zPtr, o0, o1, o2, o3, j);
      v128.store(shiftedAt + (<usize>j << 4), v);
      const above = f32x4.gt(v, top);
      top = select(v, top, above);
      topIndex = select(i32x4.splat(j), topIndex, above);
    }
    // e_j = exp(z_j − z_top), S = Σ_{j≠top} e_j (the top's 1 kept apart).
    let others = zero;
    for (let j = 0; j < c; j++) {
      const at = <usize>j << 4;
      const isTop = i32x4.eq(topIndex, i32x4.splat(j));
      const shifted = f32x4.sub(v128.load(shiftedAt + at), top);
      const e = select(zero, exp4(shifted), isTop);
      v128.store(shiftedAt + at, shifted);
      v128.store(eAt + at, e);
      others = f32x4.add(others, e);
    }
    // Off the top: p_j = e_j/(1 + S), log p_j = (z_j − z_top) − log(1 + S).
    const invTotal = f32x4.div(one, f32x4.add(one, others));
    const logTotal = log1p4Any(others);
    // The top class: d = −log S, p = σ(d) = 1/(1 + S), 1 − p = S/(1 + S).
    const logS = log4(others);
    const logpTop = f32x4.neg(softplus4(logS));
    const log1mpTop = f32x4.neg(softplus4(f32x4.neg(logS)));
    const dTop = f32x4.neg(logS);
    const rTop = select(
      f32x4.sub(one, f32x4.mul(HALF, others)),
      f32x4.mul(exp4(f32x4.min(dTop, FIFTEEN)), f32x4.neg(logpTop)),
      f32x4.gt(dTop, FIFTEEN),
    );
    // (1 − p)^0 = 1 even where log(1 − p) = −∞ (S underflowed to 0).
    const modTop = gamma == 0 ? one : exp4(f32x4.mul(g, log1mpTop));
    const qTop = f32x4.mul(others, invTotal);
    // The loss and ψ_j; a column whose four weights are 0 adds nothing and
    // has ψ = 0 (one-hot targets: most columns).
    let loss = zero;
    let psiSum = zero;
    for (let j = 0; j < c; j++) {
      const at = <usize>j << 4;
      const w = weightColumn(labelled, wPtr, o0, o1, o2, o3, labels, weightV, j);
      let psi = zero;
      if (v128.any_true(w)) {
        const isTop = i32x4.eq(topIndex, i32x4.splat(j));
        const pRest = f32x4.mul(v128.load(eAt + at), invTotal);
        const qRest = f32x4.sub(one, pRest); // ≥ 1/2 off the top: no cancellation
        const logpRest = f32x4.sub(v128.load(shiftedAt + at), logTotal);
        const logp = select(logpTop, logpRest, isTop);
        const mod = select(modTop, pow4(qRest, gamma, g), isTop);
        const ratio = select(rTop, f32x4.div(f32x4.mul(pRest, f32x4.neg(logpRest)), qRest), isTop);
        const wm = f32x4.mul(w, mod);
        psi = f32x4.mul(wm, fma(g, ratio, one));
        loss = f32x4.sub(loss, f32x4.mul(wm, logp));
      }
      v128.store(psiAt + at, psi);
      psiSum = f32x4.add(psiSum, psi);
    }
    storeRows(lossPtr, r, live, loss);
    if (gradPtr == 0) continue;
    // ∂L/∂z_j = p_j·(Σψ − ψ_j) − ψ_j·(1 − p_j).
    for (let j = 0; j < c; j++) {
      const at = <usize>j << 4;
      const isTop = i32x4.eq(topIndex, i32x4.splat(j));
      const pRest = f32x4.mul(v128.load(eAt + at), invTotal);
      const p = select(invTotal, pRest, isTop);
      const q = select(qTop, f32x4.sub(one, pRest), isTop);
      const psi = v128.load(psiAt + at);
      const grad = f32x4.sub(f32x4.mul(p, f32x4.sub(psiSum, psi)), f32x4.mul(psi, q));
      scatter(gradPtr, o0, o1, o2, o3, j, live, grad);
    }
  }
}

/**
 * out = g·dy with dy broadcast over the inner axis: row r of `inner` values
 * scaled by dy[r] (the gradient of a per-row loss times its upstream
 * gradient, without the backend's general broadcasting loop).
 */
export function scaleRows(gPtr: usize, dyPtr: usize, outPtr: usize, rows: i32, inner: i32): void {
  let at: usize = 0;
  for (let r = 0; r < rows; r++) {
    const dy = load<f32>(dyPtr + (<usize>r << 2));
    const v = f32x4.splat(dy);
    const end = at + (<usize>inner << 2);
    for (; at + 16 <= end; at += 16) {
      v128.store(outPtr + at, f32x4.mul(v128.load(gPtr + at), v));
    }
    for (; at < end; at += 4) store<f32>(outPtr + at, load<f32>(gPtr + at) * dy);
  }
}

/** log(1 + u) for any u ≥ 0: log1p4 on [0, 1], log(1 + u) above. */
// @ts-ignore: decorator
@inline function log1p4Any(u: v128): v128 {
  return select(log4(f32x4.add(ONE, u)), log1p4(f32x4.min(u, ONE)), f32x4.gt(u, ONE));
}

/**
 * Original (ε = 0) and Eq. (11) mode, composed as kornia composes it in
 * float32, with PyTorch's autograd gradient and NaN rows where a class's pow
 * gradient is singular.
 */
export function softmaxFocalOriginal(
  zPtr: usize,
  wPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  rows: i32,
  c: i32,
  gamma: f32,
  epsilon: f32,
  singularBelow: f32,
): void {
  original(false, zPtr, wPtr, lossPtr, gradPtr, rows, c, gamma, epsilon, singularBelow, 0, -1);
}

/** Original and Eq. (11) mode with int32 class indices (softmaxFocalExactLabels). */
export function softmaxFocalOriginalLabels(
  zPtr: usize,
  labelsPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  rows: i32,
  c: i32,
  gamma: f32,
  epsilon: f32,
  singularBelow: f32,
  weight: f32,
  ignoreIndex: i32,
): void {
  original(
    true,
    zPtr,
    labelsPtr,
    lossPtr,
    gradPtr,
    rows,
    c,
    gamma,
    epsilon,
    singularBelow,
    weight,
    ignoreIndex,
  );
}

// @ts-ignore: decorator
@inline function original(
  labelled: bool,
  zPtr: usize,
  wPtr: usize,
  lossPtr: usize,
  gradPtr: usize,
  rows: i32,
  c: i32,
  gamma: f32,
  epsilon: f32,
  singularBelow: f32,
  weight: f32,
  ignoreIndex: i32,
): void {
  const weightV = splat(weight);
  const one = ONE;
  const zero = splat(0);
  const eps = splat(epsilon);
  const g = splat(gamma);
  const gLessOne = splat(gamma - 1);
  const singularV = splat(singularBelow);
  for (let r = 0; r < rows; r += 4) {
    const last = rows - 1;
    const stride = <usize>c << 2;
    const o0 = <usize>min(r, last) * stride;
    const o1 = <usize>min(r + 1, last) * stride;
    const o2 = <usize>min(r + 2, last) * stride;
    const o3 = <usize>min(r + 3, last) * stride;
    const live = min(4, rows - r);
    const labels = labelled ? gatherLabels(wPtr, r, rows, ignoreIndex) : i32x4.splat(0);
    let m = gather(zPtr, o0, o1, o2, o3, 0);
    for (let j = 1; j < c; j++) m = f32x4.max(m, gather(zPtr, o0, o1, o2, o3, j));
    let sum = zero;
    for (let j = 0; j < c; j++) sum = f32x4.add(sum, exp4(f32x4.sub(gather(zPtr, o0, o1, o2, o3, j), m)));
    const logSum = log4(sum);
    let loss = zero;
    let sumGLogp = zero;
    let sumPgP = zero;
    let singular = i32x4.splat(0);
    for (let j = 0; j < c; j++) {
      const shifted = f32x4.sub(gather(zPtr, o0, o1, o2, o3, j), m);
      const p = f32x4.div(exp4(shifted), sum);
      const logp = f32x4.sub(shifted, logSum);
      const base = f32x4.add(f32x4.sub(one, p), eps);
      const mod = pow4(base, gamma, g);
      const wj = weightColumn(labelled, wPtr, o0, o1, o2, o3, labels, weightV, j);
      const wm = f32x4.mul(wj, mod);
      loss = f32x4.add(loss, f32x4.mul(wm, logp));
      sumGLogp = f32x4.sub(sumGLogp, wm);
      if (gamma != 0) {
        const gP = f32x4.mul(
          f32x4.mul(wj, logp),
          f32x4.mul(g, pow4(base, gamma - 1, gLessOne)),
        );
        sumPgP = f32x4.add(sumPgP, f32x4.mul(p, gP));
        if (gamma < 1) singular = v128.or(singular, f32x4.le(base, singularV));
      }
    }
    storeRows(lossPtr, r, live, f32x4.neg(loss));
    if (gradPtr == 0) continue;
    for (let j = 0; j < c; j++) {
      const shifted = f32x4.sub(gather(zPtr, o0, o1, o2, o3, j), m);
      const p = f32x4.div(exp4(shifted), sum);
      const logp = f32x4.sub(shifted, logSum);
      const base = f32x4.add(f32x4.sub(one, p), eps);
      const wj = weightColumn(labelled, wPtr, o0, o1, o2, o3, labels, weightV, j);
      let grad = f32x4.sub(f32x4.neg(f32x4.mul(wj, pow4(base, gamma, g))), f32x4.mul(p, sumGLogp));
      if (gamma != 0) {
        const gP = f32x4.mul(f32x4.mul(wj, logp), f32x4.mul(g, pow4(base, gamma - 1, gLessOne)));
        grad = f32x4.add(grad, f32x4.mul(p, f32x4.sub(gP, sumPgP)));
      }
      scatter(gradPtr, o0, o1, o2, o3, j, live, select(NAN, grad, singular));
    }
  }
}
