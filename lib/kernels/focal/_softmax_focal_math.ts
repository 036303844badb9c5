// The per-row math of the fused softmax focal kernel. The cpu kernel runs it
// as is; the wasm (AssemblyScript, SIMD over four rows) and webgpu (WGSL, a
// thread per row) kernels transcribe it. The derivations are in
// lib/losses/softmax_focal_loss.ts, above the composed kernels these equal.

const f = Math.fround;

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Per-row scratch of exactRow: e_j (off the top) and ψ_j; grown on demand. */
let scratch = new Float64Array(32);

/**
 * Exact mode for the row of `c` logits `z` and weights `w` (α_c·y_c) that
 * starts at `at`: writes ∂L/∂z there in `grad` (when given) and returns the
 * row's loss. With the first maximum z_k and S = Σ_{j≠k} exp(z_j − z_k):
 *
 * - off the top, p_j = e_j/(1 + S) ≤ 1/2, so 1 − p_j does not cancel, and
 *   log p_j = (z_j − z_k) − log(1 + S);
 * - at the top, d_k = −log S, log p_k = −softplus(log S) and
 *   log(1 − p_k) = −softplus(−log S) never round to 0 or −∞.
 *
 * A class with zero weight adds nothing to the loss and has ψ_j = 0, so its
 * modulating factor is not computed (one-hot targets: all classes but one).
 */
export function exactRow(
  z: ArrayLike<number>,
  w: ArrayLike<number>,
  at: number,
  c: number,
  gamma: number,
  grad: Float32Array | null,
): number {
  if (scratch.length < 2 * c) scratch = new Float64Array(2 * c);
  const e = scratch;
  let top = at;
  for (let j = at + 1; j < at + c; j++) if (z[j] > z[top]) top = j;
  const zTop = z[top];
  let s = 0;
  for (let j = 0; j < c; j++) {
    e[j] = at + j === top ? 0 : Math.exp(z[at + j] - zTop);
    s += e[j];
  }
  const logS = s > 0 ? Math.log(s) : underflowedLogS(z, at, c, top);
  const log1pS = Math.log1p(s);
  const invTotal = 1 / (1 + s);
  let loss = 0;
  let psiSum = 0;
  for (let j = 0; j < c; j++) {
    const wj = w[at + j];
    let psi = 0;
    if (wj !== 0) {
      let logp, mod, r;
      if (at + j === top) {
        logp = -softplus(logS);
        mod = Math.exp(gamma * -softplus(-logS));
        // R = −p·log p/(1 − p) = e^d·softplus(−d) at d = −log S, in [0, 1].
        r = logS < -15 ? 1 - 0.5 * s : -logp / s;
      } else {
        const p = e[j] * invTotal;
        logp = (z[at + j] - zTop) - log1pS;
        mod = Math.pow(1 - p, gamma);
        r = p * -logp / (1 - p);
      }
      loss -= wj * mod * logp;
      psi = wj * mod * (1 + gamma * r);
    }
    e[c + j] = psi;
    psiSum += psi;
  }
  if (grad !== null) {
    for (let j = 0; j < c; j++) {
      const isTop = at + j === top;
      const p = isTop ? invTotal : e[j] * invTotal;
      const q = isTop ? s * invTotal : 1 - p;
      const psi = e[c + j];
      grad[at + j] = p * (psiSum - psi) - psi * q;
    }
  }
  return loss;
}

/**
 * log S where S = Σ_{j≠top} exp(z_j − z_top) underflowed to 0 (the others are
 * far below the top): log-sum-exp of the others, from their own maximum.
 */
function underflowedLogS(z: ArrayLike<number>, at: number, c: number, top: number): number {
  let otherMax = -Infinity;
  for (let j = at; j < at + c; j++) if (j !== top && z[j] > otherMax) otherMax = z[j];
  let sum = 0;
  for (let j = at; j < at + c; j++) if (j !== top) sum += Math.exp(z[j] - otherMax);
  return otherMax - z[top] + Math.log(sum);
}

/**
 * Original (ε = 0) or Eq. (11) mode for one row, op for op in float32 as
 * kornia composes it, with PyTorch's autograd gradient: a NaN row where any
 * class's pow gradient is singular.
 */
export function originalRow(
  z: ArrayLike<number>,
  w: ArrayLike<number>,
  gamma: number,
  epsilon: number,
  singularBelow: number,
  grad: Float32Array | null,
  offset: number,
): number {
  const c = z.length;
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, z[j]);
  const shifted = new Float32Array(c);
  let sum = 0;
  for (let j = 0; j < c; j++) {
    shifted[j] = f(z[j] - max);
    sum = f(sum + f(Math.exp(shifted[j])));
  }
  const logSum = f(Math.log(sum));
  const p = new Float32Array(c);
  const logp = new Float32Array(c);
  const base = new Float32Array(c);
  const mod = new Float32Array(c);
  let loss = 0;
  let singular = false;
  for (let j = 0; j < c; j++) {
    p[j] = f(f(Math.exp(shifted[j])) / sum);
    logp[j] = f(shifted[j] - logSum);
    base[j] = f(f(1 - p[j]) + epsilon);
    mod[j] = f(Math.pow(base[j], gamma));
    loss = f(loss + f(f(w[j] * mod[j]) * logp[j]));
    if (gamma > 0 && gamma < 1 && base[j] <= singularBelow) singular = true;
  }
  if (grad !== null) {
    let sumGLogp = 0;
    let sumPgP = 0;
    const gP = new Float32Array(c);
    for (let j = 0; j < c; j++) {
      sumGLogp = f(sumGLogp + f(-f(w[j] * mod[j])));
      if (gamma !== 0) {
        gP[j] = f(f(w[j] * logp[j]) * f(gamma * f(Math.pow(base[j], gamma - 1))));
        sumPgP = f(sumPgP + f(p[j] * gP[j]));
      }
    }
    for (let j = 0; j < c; j++) {
      let g = f(f(-f(w[j] * mod[j])) - f(p[j] * sumGLogp));
      if (gamma !== 0) g = f(g + f(p[j] * f(gP[j] - sumPgP)));
      grad[offset + j] = singular ? NaN : g;
    }
  }
  return -loss;
}
