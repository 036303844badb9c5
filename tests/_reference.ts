// Float64 references of the paper's equations, independent of tfjs.
//
// Losses and derivatives with respect to p follow the paper literally
// (Eq. (2), (4), (5), (11)–(13)); the logit-space loss is computed in log
// space so that it stays exact where σ(x) rounds to 1 even in float64.

/** Eq. (2) for one element: foreground and background parts. */
export function focalLoss(p: number, y: number, gamma: number, alphaT: number): number {
  return -alphaT * y * (1 - p) ** gamma * Math.log(p) -
    (1 - alphaT) * (1 - y) * p ** gamma * Math.log(1 - p);
}

/** Eq. (11): ε inside the modulating factor. */
export function focalLossEpsilon(
  p: number,
  y: number,
  gamma: number,
  alphaT: number,
  epsilon: number,
): number {
  return -alphaT * y * (1 - p + epsilon) ** gamma * Math.log(p) -
    (1 - alphaT) * (1 - y) * (p + epsilon) ** gamma * Math.log(1 - p);
}

/** Eq. (4) (ε = 0) and Eq. (12): dL_fg/dp. */
export function dForeground(p: number, gamma: number, alphaT: number, epsilon = 0): number {
  const b = 1 - p + epsilon;
  return alphaT * (gamma * b ** (gamma - 1) * Math.log(p) - b ** gamma / p);
}

/** Eq. (5) (ε = 0) and Eq. (13): dL_bg/dp. */
export function dBackground(p: number, gamma: number, alphaT: number, epsilon = 0): number {
  const b = p + epsilon;
  return -(1 - alphaT) * (gamma * b ** (gamma - 1) * Math.log(1 - p) - b ** gamma / (1 - p));
}

/** softplus(x) = log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * The sigmoid focal loss of a logit with a soft target, torchvision's
 * definition, in float64 log space: α_t · CE · (1 − p_t)^γ with
 * 1 − p_t = t·σ(−x) + (1 − t)·σ(x).
 */
export function sigmoidFocal(x: number, t: number, alpha: number, gamma: number): number {
  const spPos = softplus(x);
  const spNeg = softplus(-x);
  const ce = t * spNeg + (1 - t) * spPos;
  const a = t > 0 ? Math.log(t) - spPos : -Infinity;
  const b = t < 1 ? Math.log1p(-t) - spNeg : -Infinity;
  const m = Math.max(a, b);
  const logQ = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
  const alphaT = alpha < 0 ? 1 : alpha * t + (1 - alpha) * (1 - t);
  return alphaT * ce * Math.exp(gamma * logQ);
}

/** Central finite difference with a relative step. */
export function centralDifference(f: (x: number) => number, x: number): number {
  const h = 1e-5 * Math.max(1, Math.abs(x));
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** log Σ exp(v) over the indices kept by `keep`, in float64. */
function logSumExp(v: number[], keep: (i: number) => boolean): number {
  const kept = v.filter((_, i) => keep(i));
  const m = Math.max(...kept);
  return m + Math.log(kept.reduce((s, x) => s + Math.exp(x - m), 0));
}

/**
 * The softmax focal loss of one sample, −Σ_c w_c·(1 − p_c)^γ·log p_c, in
 * float64 log space: with d_c = z_c − lse_{j≠c}, log p_c = −softplus(−d_c) and
 * log(1 − p_c) = −softplus(d_c), so neither rounds to 0 even when p_c does.
 */
export function softmaxFocal(z: number[], w: number[], gamma: number): number {
  return z.reduce((sum, zc, c) => {
    if (w[c] === 0) return sum;
    const d = zc - logSumExp(z, (j) => j !== c);
    return sum + w[c] * Math.exp(-gamma * softplus(d)) * softplus(-d);
  }, 0);
}

/** σ(x) in float64. */
export function sigmoid(x: number): number {
  return Math.exp(-softplus(-x));
}

/**
 * Quality Focal Loss in float64: |t − σ(x)|^β · BCE(x, t), with
 * t − σ(x) = t·σ(−x) − (1 − t)·σ(x) (no cancellation for hard targets).
 */
export function qualityFocal(x: number, t: number, beta: number): number {
  const ce = t * softplus(-x) + (1 - t) * softplus(x);
  const diff = Math.abs(t * sigmoid(-x) - (1 - t) * sigmoid(x));
  return diff ** beta * ce;
}

/**
 * The asymmetric Unified Focal Loss (Yeung et al., 2022) in float64, for
 * images given as flat pixel arrays (one array per image).
 */
export function unifiedFocal(
  x: number[][],
  y: number[][],
  weight: number,
  delta: number,
  gamma: number,
  smooth = 1e-7,
): number {
  let focal = 0;
  let pixels = 0;
  let tversky = 0;
  x.forEach((image, b) => {
    let tp = 0, fn = 0, fp = 0, tn = 0;
    image.forEach((xi, i) => {
      const t = y[b][i];
      const p = sigmoid(xi);
      const q = sigmoid(-xi);
      focal += delta * t * softplus(-xi) + (1 - delta) * (1 - t) * p ** gamma * softplus(xi);
      pixels++;
      tp += t * p;
      fn += t * q;
      fp += (1 - t) * p;
      tn += (1 - t) * q;
    });
    const tiFg = (tp + smooth) / (tp + delta * fn + (1 - delta) * fp + smooth);
    const tiBg = (tn + smooth) / (tn + delta * fp + (1 - delta) * fn + smooth);
    tversky += ((1 - tiBg) + (1 - tiFg) ** (1 - gamma)) / 2;
  });
  return weight * (tversky / x.length) + (1 - weight) * (focal / pixels);
}
