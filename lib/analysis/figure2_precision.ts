// Figure 2's NaN incidence with precision as a dimension: for each loss, mode,
// ε, γ and target, where on the logit grid the autograd gradient is not
// finite, and how far the finite gradients are from the float64 value of the
// same formula. It runs on the active tfjs backend, whatever precision that
// backend stores in: float32 on cpu, half floats on webgl with
// WEBGL_FORCE_F16_TEXTURES, float16 or bfloat16 on the emulating backends of
// lib/precision/. The caller says which precision that is; the inputs are the
// grid rounded to it (the backend rounds them on upload), and so is the point
// at which the float64 reference is evaluated.
//
// Not reachable from mod.ts: the reference rounds with Math.f16round.
import * as tf from "@tensorflow/tfjs";
import { qualityFocalLoss } from "../losses/quality_focal_loss.ts";
import { sigmoidFocalLoss } from "../losses/sigmoid_focal_loss.ts";
import { softmaxFocalLoss } from "../losses/softmax_focal_loss.ts";
import type { Stabilization } from "../losses/types.ts";
import { type Precision, rounderOf, UNIT_ROUNDOFF } from "../precision/round_to_precision.ts";
import { torchvisionFocalEmulated } from "../precision/torchvision_focal_emulated.ts";
import { referenceGradient } from "./_reference_gradients.ts";

/** The losses of the precision grid. */
export type PrecisionLoss = "sigmoid" | "softmax" | "quality";

/**
 * The grid, named once. Sigmoid: α = 0.5, targets 0 and 1 (Figure 2).
 * Quality: β takes the γ grid's values, hard targets 0 and 1 and a soft
 * quality 0.75 (its cusp σ(x) = 0.75 sits at x = ln 3). Softmax: 4 classes,
 * the row [x, 0, 0, 0], α = 0.5 for every class; target 1 makes x the label's
 * logit, target 0 a non-label's (the label is class 1).
 */
export const PRECISION_GRID = {
  logits: { start: -38, stop: 38, step: 0.05 },
  gammas: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5],
  alpha: 0.5,
  targets: { sigmoid: [0, 1], quality: [0, 1, 0.75], softmax: [0, 1] },
  classes: 4,
  /** The bench's ε values (bench/_setup.ts's EPSILONS without 0). */
  epsilons: [1e-6, 1e-4, 1e-3, 1e-2],
} as const;

/** One row of `results/analysis/figure2_precision.json`. */
export interface PrecisionRow {
  loss: PrecisionLoss;
  /**
   * Whose composition: this package's (`"focal-stability"`), or
   * torchvision's `sigmoid_focal_loss` and the paper's Appendix A.3 as
   * PyTorch's half kernels compute them (`"torchvision"`).
   */
  implementation: "focal-stability" | "torchvision";
  /** Quality's β (its γ), else null. */
  beta: number | null;
  /** Softmax's class count, else null. */
  classes: number | null;
  /** Quality's soft target (the row's target when it is not 0 or 1), else null. */
  quality: number | null;
  precision: Precision;
  /** `"cpu"` (float32), `"cpu-emulated"`, `"webgl"`, … */
  backend: string;
  mode: Stabilization;
  epsilon: number;
  gamma: number;
  target: number;
  /** Share of the grid's logits whose gradient (any entry of a softmax row) is NaN or ±∞. */
  nonFiniteShare: number;
  /** Share of the grid's logits whose loss value is NaN or ±∞. */
  nonFiniteLossShare: number;
  /** The largest negative logit with a non-finite gradient, or null. */
  nonFiniteBelow: number | null;
  /** The smallest positive logit with a non-finite gradient, or null. */
  nonFiniteAbove: number | null;
  /**
   * Largest |g − g64| / |g64| over the finite gradients away from 0
   * (|g64| ≥ 2^−10 of the row's largest |g64|), against the float64 value of
   * the same formula (Eq. (11) for ε, Eq. (2) for the original and exact).
   */
  maxRelativeError: number;
  /** The same in units of the precision's roundoff 2^−p (ulps of the value). */
  maxUlpError: number;
  /** Largest |g − g64| over the finite gradients near 0 (the rest). */
  maxAbsoluteErrorNearZero: number;
}

/** Options of {@linkcode figure2PrecisionRows}. */
export interface Figure2PrecisionOptions {
  /** The precision the active backend stores in. */
  precision: Precision;
  /** The backend's label in the rows. @default {tf.getBackend()} */
  backend?: string;
  /** @default {["sigmoid", "softmax", "quality"]} */
  losses?: PrecisionLoss[];
  /** @default {["none", "epsilon", "exact"]} */
  modes?: Stabilization[];
  /** @default {PRECISION_GRID.gammas} */
  gammas?: readonly number[];
  /** ε values of the `"epsilon"` mode. @default {PRECISION_GRID.epsilons} */
  epsilons?: readonly number[];
  /** @default {PRECISION_GRID.logits} */
  grid?: { start: number; stop: number; step: number };
}

/** The grid's logits. */
export function gridLogits(
  grid: { start: number; stop: number; step: number } = PRECISION_GRID.logits,
): number[] {
  const count = Math.round((grid.stop - grid.start) / grid.step) + 1;
  return Array.from({ length: count }, (_, i) => Number((grid.start + i * grid.step).toFixed(10)));
}

interface Evaluated {
  value: Float32Array;
  grad: Float32Array;
  /** Gradient entries per grid point: 1, or the class count. */
  width: number;
}

/** The loss and d(Σ loss)/d(logits) of one curve on the active backend. */
async function evaluate(
  loss: PrecisionLoss,
  logits: number[],
  target: number,
  gamma: number,
  mode: Stabilization,
  epsilon: number,
): Promise<Evaluated> {
  const n = logits.length;
  const common = { stabilization: mode, epsilon };
  let z: tf.Tensor, t: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor, width: number;
  if (loss === "softmax") {
    const k = PRECISION_GRID.classes;
    z = tf.tensor2d(logits.flatMap((x) => [x, ...new Array(k - 1).fill(0)]), [n, k]);
    const labels = tf.fill([n], target === 1 ? 0 : 1, "int32");
    t = labels;
    f = (x) => softmaxFocalLoss(x, labels, { ...common, gamma, alpha: PRECISION_GRID.alpha });
    width = k;
  } else {
    z = tf.tensor1d(logits);
    const targets = tf.fill([n], target);
    t = targets;
    f = loss === "sigmoid"
      ? (x) => sigmoidFocalLoss(x, targets, { ...common, gamma, alpha: PRECISION_GRID.alpha })
      : (x) => qualityFocalLoss(x, targets, { ...common, beta: gamma });
    width = 1;
  }
  const value = tf.tidy(() => f(z));
  const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => f(x).sum())(z));
  const out = {
    value: (await value.data()) as Float32Array,
    grad: (await grad.data()) as Float32Array,
    width,
  };
  tf.dispose([z, t, value, grad]);
  return out;
}

/**
 * The precision grid's rows on the active backend: per loss, mode (ε), γ and
 * target, the share of non-finite gradients, the non-finite region's inner
 * edges, and the error of the finite gradients against float64.
 *
 * Cost: one loss and one gradient evaluation of the 1,521-point grid per row.
 *
 * @param options The precision of the active backend, and the grid.
 * @returns One row per loss × mode × ε × γ × target.
 */
export async function figure2PrecisionRows(
  options: Figure2PrecisionOptions,
): Promise<PrecisionRow[]> {
  const {
    precision,
    backend = tf.getBackend(),
    losses = ["sigmoid", "softmax", "quality"],
    modes = ["none", "epsilon", "exact"],
    gammas = PRECISION_GRID.gammas,
    epsilons = PRECISION_GRID.epsilons,
    grid = PRECISION_GRID.logits,
  } = options;
  const logits = gridLogits(grid);
  const round = rounderOf(precision);
  const stored = logits.map(round);
  const rows: PrecisionRow[] = [];
  for (const loss of losses) {
    for (const mode of modes) {
      for (const epsilon of mode === "epsilon" ? epsilons : [0]) {
        for (const gamma of gammas) {
          for (const target of PRECISION_GRID.targets[loss]) {
            const { value, grad, width } = await evaluate(
              loss,
              logits,
              target,
              gamma,
              mode,
              epsilon,
            );
            const reference = stored.map((x) =>
              referenceGradient(loss, x, target, {
                gamma,
                epsilon,
                alpha: PRECISION_GRID.alpha,
                classes: PRECISION_GRID.classes,
              })
            );
            rows.push({
              loss,
              implementation: "focal-stability",
              beta: loss === "quality" ? gamma : null,
              classes: loss === "softmax" ? PRECISION_GRID.classes : null,
              quality: loss === "quality" && target !== 0 && target !== 1 ? target : null,
              precision,
              backend,
              mode,
              epsilon,
              gamma,
              target,
              ...measure(logits, value, grad, width, reference, precision),
            });
          }
        }
      }
    }
  }
  return rows;
}

function measure(
  logits: number[],
  value: Float32Array,
  grad: Float32Array,
  width: number,
  reference: number[][],
  precision: Precision,
): Pick<
  PrecisionRow,
  | "nonFiniteShare"
  | "nonFiniteLossShare"
  | "nonFiniteBelow"
  | "nonFiniteAbove"
  | "maxRelativeError"
  | "maxUlpError"
  | "maxAbsoluteErrorNearZero"
> {
  let bad = 0;
  let badLoss = 0;
  let below: number | null = null;
  let above: number | null = null;
  let largest = 0;
  for (const r of reference) {
    for (const g of r) if (Number.isFinite(g)) largest = Math.max(largest, Math.abs(g));
  }
  const awayFromZero = largest * 2 ** -10;
  let relative = 0;
  let absolute = 0;
  logits.forEach((x, i) => {
    if (!Number.isFinite(value[i])) badLoss++;
    let finite = true;
    for (let j = 0; j < width; j++) {
      const g = grad[i * width + j];
      const g64 = reference[i][j];
      if (!Number.isFinite(g)) {
        finite = false;
        continue;
      }
      if (!Number.isFinite(g64)) continue;
      const error = Math.abs(g - g64);
      if (Math.abs(g64) >= awayFromZero && awayFromZero > 0) {
        relative = Math.max(relative, error / Math.abs(g64));
      } else {
        absolute = Math.max(absolute, error);
      }
    }
    if (finite) return;
    bad++;
    if (x < 0) below = x;
    else if (above === null && x > 0) above = x;
  });
  return {
    nonFiniteShare: bad / logits.length,
    nonFiniteLossShare: badLoss / logits.length,
    nonFiniteBelow: below,
    nonFiniteAbove: above,
    maxRelativeError: relative,
    maxUlpError: relative / UNIT_ROUNDOFF[precision],
    maxAbsoluteErrorNearZero: absolute,
  };
}

/**
 * The sigmoid rows of torchvision's `sigmoid_focal_loss` (mode `"none"`) and
 * of the paper's Appendix A.3 function (mode `"epsilon"`), computed by the
 * element-wise emulation of PyTorch 1.13's kernels at `precision`
 * (lib/precision/torchvision_focal_emulated.ts; in bfloat16 and float32 its
 * NaN masks are PyTorch's own, bit for bit). Backend `"torch-cpu-emulated"`.
 *
 * @param precision The precision of PyTorch's tensors.
 * @param options The grid, γ and ε values.
 * @returns One row per mode × ε × γ × target.
 */
export function torchvisionPrecisionRows(
  precision: Precision,
  options: Pick<Figure2PrecisionOptions, "gammas" | "epsilons" | "grid"> = {},
): PrecisionRow[] {
  const {
    gammas = PRECISION_GRID.gammas,
    epsilons = PRECISION_GRID.epsilons,
    grid = PRECISION_GRID.logits,
  } = options;
  const logits = gridLogits(grid);
  const stored = logits.map(rounderOf(precision));
  const alpha = PRECISION_GRID.alpha;
  const rows: PrecisionRow[] = [];
  for (const mode of ["none", "epsilon"] as const) {
    for (const epsilon of mode === "epsilon" ? epsilons : [0]) {
      for (const gamma of gammas) {
        for (const target of PRECISION_GRID.targets.sigmoid) {
          const values = stored.map((x) =>
            torchvisionFocalEmulated(x, target, { alpha, gamma, epsilon, precision })
          );
          const reference = stored.map((x) =>
            referenceGradient("sigmoid", x, target, {
              gamma,
              epsilon,
              alpha,
              classes: PRECISION_GRID.classes,
            })
          );
          rows.push({
            loss: "sigmoid",
            implementation: "torchvision",
            beta: null,
            classes: null,
            quality: null,
            precision,
            backend: "torch-cpu-emulated",
            mode,
            epsilon,
            gamma,
            target,
            ...measure(
              logits,
              Float32Array.from(values, (v) => v.loss),
              Float32Array.from(values, (v) => v.grad),
              1,
              reference,
              precision,
            ),
          });
        }
      }
    }
  }
  return rows;
}

/**
 * The smallest ε at which Eq. (11)'s gradient stays finite on saturated
 * logits in a precision whose largest finite value is M. There 1 − p_t
 * rounds to 0, so the pow backward evaluates γ·ε^(γ−1), and ε^(γ−1) ≤ M
 * exactly when
 *
 *   ε ≥ M^(−1/(1−γ))     (0 < γ < 1).
 *
 * float16 (M = 65504): 4.5e−6 at γ = 0.1, 9.5e−7 at 0.2, 2.3e−10 at 0.5, so
 * the bench's ε = 1e−6 is NaN there at γ = 0.1; bfloat16 and float32
 * (M ≈ 3.4e38) need no more than 1.6e−43. This is the formula's, in any
 * composition, and PyTorch's float16 gives the same NaN.
 *
 * @param gamma The focusing parameter.
 * @param maxFinite The precision's largest finite value.
 * @returns The bound; 0 where γ ∉ (0, 1) (no singular factor).
 */
export function smallestFiniteEpsilon(gamma: number, maxFinite: number): number {
  if (!(gamma > 0 && gamma < 1)) return 0;
  return Math.pow(maxFinite, -1 / (1 - gamma));
}
