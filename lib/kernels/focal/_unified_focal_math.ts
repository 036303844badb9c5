// The per-pixel math of the fused Unified Focal Loss kernels, one scalar at a
// time: the cpu kernels run it as is, the wasm (AssemblyScript, SIMD) and
// webgpu (WGSL) kernels are transcriptions. The loss and its derivation are
// in lib/losses/unified_focal_loss.ts and lib/losses/_unified_fused.ts.
//
// Pass 1 (sums): per pixel, p and q = 1 − p (its Tversky counts) and the
// asymmetric focal term
//   δ·y·(−log p) + (1 − δ)·(1 − y)·F·(−log(1 − p)),
// F the background factor: p^γ (exact) or (1 − (1 − p) + ε)^γ (original).
// Pass 2 (gradient): ∂L/∂x from per-image coefficients of the Tversky counts
// (a = ∂L/∂TP − ∂L/∂FN, c = ∂L/∂FP − ∂L/∂TN) and gF = ∂L/∂Σfocal.

const f = Math.fround;

/** The per-pixel parameters of both passes. */
export interface UnifiedParams {
  /** Exact (log-space) mode, or the original / Eq. (11) composition. */
  exact: boolean;
  delta: number;
  gamma: number;
  epsilon: number;
  /** Original mode: a background base at or below this has a NaN gradient; −1 for none. */
  singularBelow: number;
}

/** Pass 1 for one pixel: [p, q, focal term]. */
export function unifiedSumsElement(
  x: number,
  y: number,
  a: UnifiedParams,
): [number, number, number] {
  const { delta, gamma } = a;
  if (a.exact) {
    const l = Math.log1p(Math.exp(-Math.abs(x)));
    const spPos = Math.max(x, 0) + l; // −log(1 − p)
    const spNeg = Math.max(-x, 0) + l; // −log p
    const focal = delta * y * spNeg + (1 - delta) * (1 - y) * Math.exp(-gamma * spNeg) * spPos;
    return [Math.exp(-spNeg), Math.exp(-spPos), focal];
  }
  // In float32, op for op as the composed form (sigmoidFloat32, BCE-with-logits).
  const p = f(1 / f(1 + f(Math.exp(-x))));
  const q = f(1 - p);
  const mv = f(Math.max(-x, 0));
  const lse = f(Math.log(f(f(Math.exp(-mv)) + f(Math.exp(f(-x - mv))))));
  const ceFg = f(mv + lse);
  const ceBg = f(f(x + mv) + lse);
  const bg = f(Math.pow(f(f(1 - q) + a.epsilon), gamma));
  return [p, q, delta * y * ceFg + (1 - delta) * (1 - y) * bg * ceBg];
}

/**
 * Pass 2 for one pixel of an image with coefficients (ca, cc) and the focal
 * part's gF: ∂L/∂x, NaN where the original mode's background factor is
 * singular (PyTorch's pow gradient), whatever the pixel's mask.
 */
export function unifiedGradElement(
  x: number,
  y: number,
  ca: number,
  cc: number,
  gF: number,
  a: UnifiedParams,
): number {
  const { delta, gamma } = a;
  const counts = ca * y + cc * (1 - y); // ∂L/∂p through TP, FN, FP, TN
  if (a.exact) {
    const l = Math.log1p(Math.exp(-Math.abs(x)));
    const spPos = Math.max(x, 0) + l;
    const spNeg = Math.max(-x, 0) + l;
    const p = Math.exp(-spNeg);
    const q = Math.exp(-spPos);
    const bg = Math.exp(-gamma * spNeg);
    // ∂p/∂x = p·q; ∂(−log p)/∂x = −q; ∂(p^γ·(−log(1 − p)))/∂x = p^γ·(p + γ·q·spPos)
    return counts * p * q +
      gF * (-delta * y * q + (1 - delta) * (1 - y) * bg * (p + gamma * q * spPos));
  }
  const p = f(1 / f(1 + f(Math.exp(-x))));
  const mv = f(Math.max(-x, 0));
  const lse = f(Math.log(f(f(Math.exp(-mv)) + f(Math.exp(f(-x - mv))))));
  const ceBg = f(f(x + mv) + lse);
  const base = f(f(1 - f(1 - p)) + a.epsilon);
  if (base <= a.singularBelow) return NaN;
  const bg = f(Math.pow(base, gamma));
  const gBase = gF * (1 - delta) * (1 - y) * ceBg * gamma * Math.pow(base, gamma - 1);
  return (counts + gBase) * f(1 - p) * p +
    gF * (delta * y * (p - 1) + (1 - delta) * (1 - y) * bg * p);
}
