// torchvision's `sigmoid_focal_loss` (ε = 0) and the paper's Appendix A.3
// function (ε > 0), forward and backward, element by element, as PyTorch
// 1.13's CPU kernels compute them on half-precision tensors: each kernel
// computes in float32 and rounds its result to the tensor's precision once.
// The backward is the graph autograd builds from PyTorch's derivative
// formulas (derivatives.yaml, 1.13):
//
//   mul:     grad·other                 rsub (1 − a): −grad
//   pow:     grad·(e·base^(e−1)), 0 for e = 0
//   sigmoid: sigmoid_backward(grad, p) = grad·(1 − p)·p in one float kernel
//   BCE with logits: (σ(x) − t)·grad
//
// Python scalars meet a half tensor as that precision (1 − α, ε, γ and γ − 1
// are rounded first), and `pow` with a scalar exponent dispatches as 1.13's
// PowKernel does: e = 0 fills 1, e = 1 copies; for bfloat16 (and float32)
// e = ½ is sqrt, −½ rsqrt, −1 reciprocal, 2 and 3 repeated products; for
// float16 every other exponent is `std::pow`. Checked against PyTorch's own
// bfloat16 gradients on the Figure 2 grid (tests/fixtures/precision_reference.json).
// Debian's 1.13 has no float16 sigmoid on CPU: float16 follows the same
// graph with IEEE binary16 rounding, its ops checked against numpy's.
import { type Precision, rounderOf } from "./round_to_precision.ts";

/** Hyperparameters of the emulated loss; α < 0 disables α_t, as torchvision. */
export interface TorchvisionFocalParams {
  alpha: number;
  gamma: number;
  /** 0 for torchvision's loss, > 0 for Appendix A.3's `(1 − p_t + ε)^γ`. */
  epsilon: number;
}

/** The loss and ∂(Σ loss)/∂x of one element. */
export interface EmulatedValue {
  loss: number;
  grad: number;
}

/** One float32 operation's result (V8 computes in float64; fround rounds as float32 would). */
const f = Math.fround;

/**
 * `base ** e` for a scalar exponent e already rounded to the precision, as
 * PyTorch 1.13 dispatches it.
 */
function powScalar(base: number, e: number, precision: Precision, r: (x: number) => number) {
  if (e === 0) return 1;
  if (e === 1) return base;
  if (precision !== "float16") {
    if (e === 0.5) return r(Math.sqrt(base));
    if (e === -0.5) return r(f(1 / f(Math.sqrt(base))));
    if (e === -1) return r(1 / base);
    if (e === 2) return r(base * base);
    if (e === 3) return r(r(base * base) * base);
  }
  return r(Math.pow(base, e));
}

/**
 * One element of torchvision's focal loss (or Appendix A.3's, ε > 0) and its
 * gradient for upstream gradient 1, at `precision`; x and t are rounded to it
 * first.
 *
 * @param x The logit.
 * @param t The target, 0 or 1 (soft targets follow the same graph).
 * @param params α, γ, ε and the precision.
 * @returns The loss and ∂loss/∂x, NaN or ±∞ where PyTorch's are.
 */
export function torchvisionFocalEmulated(
  x: number,
  t: number,
  params: TorchvisionFocalParams & { precision: Precision },
): EmulatedValue {
  const { alpha, gamma, epsilon, precision } = params;
  const r = rounderOf(precision);
  x = r(x);
  t = r(t);
  // Forward.
  const p = r(f(1 / f(1 + f(Math.exp(-x)))));
  const m = Math.max(-x, 0);
  const oneMinusT = r(1 - t);
  const ce = r(
    r(r(oneMinusT * x) + m) + r(Math.log(r(r(Math.exp(-m)) + r(Math.exp(r(-x - m)))))),
  );
  const oneMinusP = r(1 - p);
  const pT = r(r(p * t) + r(oneMinusP * oneMinusT));
  const oneMinusPt = r(1 - pT);
  const base = epsilon === 0 ? oneMinusPt : r(oneMinusPt + r(epsilon));
  const e = r(gamma);
  const modulating = powScalar(base, e, precision, r);
  const unweighted = r(ce * modulating);
  const alphaT = alpha < 0 ? 1 : r(r(r(alpha) * t) + r(r(1 - alpha) * oneMinusT));
  const loss = alpha < 0 ? unweighted : r(alphaT * unweighted);

  // Backward, from the upstream gradient 1 of loss.sum().
  const gUnweighted = alpha < 0 ? 1 : r(1 * alphaT);
  const gCe = r(gUnweighted * modulating);
  const gModulating = r(gUnweighted * ce);
  let gP = 0;
  if (gamma !== 0) {
    const slope = r(r(gamma) * powScalar(base, r(gamma - 1), precision, r));
    const gBase = r(gModulating * slope);
    const gPt = -gBase; // rsub; the + ε passes the gradient through
    const fromPT = r(gPt * t);
    const fromOneMinusP = -r(gPt * oneMinusT);
    gP = r(fromPT + fromOneMinusP);
  }
  const throughSigmoid = r(f(f(gP * f(1 - p)) * p));
  const throughCe = r(r(p - t) * gCe);
  return { loss, grad: r(throughSigmoid + throughCe) };
}
