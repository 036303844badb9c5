// The per-row math of the fused softmax focal kernel. The cpu kernel runs it
// as is; the wasm (AssemblyScript, SIMD over four rows) and webgpu (WGSL, a
// thread per row) kernels transcribe it. The derivations are in
// lib/losses/softmax_focal_loss.ts, above the composed kernels these equal.

const f = Math.fround;

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Exact mode for one row of logits `z` and weights `w` (α_c·y_c): writes
 * ∂L/∂z into `grad` (when given) and returns the row's loss. With the first
 * maximum k and d_k = z_k − lse_{j≠k}, log p and log(1 − p) never round.
 */
export function exactRow(
  z: ArrayLike<number>,
  w: ArrayLike<number>,
  gamma: number,
  grad: Float32Array | null,
  offset: number,
): number {
  const c = z.length;
  let top = 0;
  for (let j = 1; j < c; j++) if (z[j] > z[top]) top = j;
  let sum = 0;
  for (let j = 0; j < c; j++) sum += Math.exp(z[j] - z[top]);
  const lse = z[top] + Math.log(sum);
  let otherMax = -Infinity;
  for (let j = 0; j < c; j++) if (j !== top && z[j] > otherMax) otherMax = z[j];
  let otherSum = 0;
  for (let j = 0; j < c; j++) if (j !== top) otherSum += Math.exp(z[j] - otherMax);
  const lseOthers = otherMax + Math.log(otherSum);
  const logp = new Float64Array(c);
  const log1mp = new Float64Array(c);
  const psi = new Float64Array(c);
  let loss = 0;
  let psiSum = 0;
  for (let j = 0; j < c; j++) {
    if (j === top) {
      const d = z[j] - lseOthers;
      logp[j] = -softplus(-d);
      log1mp[j] = -softplus(d);
    } else {
      logp[j] = z[j] - lse;
      log1mp[j] = Math.log1p(-Math.exp(logp[j]));
    }
    const mod = Math.exp(gamma * log1mp[j]);
    loss -= w[j] * mod * logp[j];
    const d = logp[j] - log1mp[j];
    // R = −p·log p/(1 − p) = e^d·softplus(−d), in [0, 1].
    const r = d > 15 ? 1 - 0.5 * Math.exp(-d) : Math.exp(d) * -logp[j];
    psi[j] = w[j] * mod * (1 + gamma * r);
    psiSum += psi[j];
  }
  if (grad !== null) {
    for (let j = 0; j < c; j++) {
      grad[offset + j] = Math.exp(logp[j]) * (psiSum - psi[j]) - psi[j] * Math.exp(log1mp[j]);
    }
  }
  return loss;
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
