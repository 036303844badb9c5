/** The focusing parameters of Figures 1 and 2 and Table 1's sweeps. */
export const PAPER_GAMMAS: readonly number[] = [
  0,
  0.1,
  0.2,
  0.3,
  0.4,
  0.5,
  0.6,
  0.7,
  0.8,
  0.9,
  1,
  2,
  3,
  4,
  5,
];

/** Options of {@linkcode figure1Curves}. */
export interface Figure1Options {
  /**
   * The focusing parameters γ, one curve each.
   * @default {[0, 0.5, 1, 2, 5]}
   */
  gammas?: number[];
  /**
   * α_t of Eq. (2); the paper's Figure 1 uses 0.5.
   * @default {0.5}
   */
  alphaT?: number;
  /**
   * ε of Eq. (11)–(13); 0 gives Eq. (2), (4), (5).
   * @default {0}
   */
  epsilon?: number;
  /**
   * Number of points of p in [0, 1], ends included.
   * @default {201}
   */
  points?: number;
}

/** One γ's curves; `null` marks an undefined (NaN or infinite) value. */
export interface Figure1Series {
  /** The focusing parameter of these curves. */
  gamma: number;
  /** L_fg of Eq. (2) (or (11)) at y = 1. */
  foregroundLoss: (number | null)[];
  /** L_bg of Eq. (2) (or (11)) at y = 0. */
  backgroundLoss: (number | null)[];
  /** dL_fg/dp, Eq. (4) (or (12)). */
  foregroundGradient: (number | null)[];
  /** dL_bg/dp, Eq. (5) (or (13)). */
  backgroundGradient: (number | null)[];
  /** The p at which dL_fg/dp is undefined: p = 1 for 0 < γ < 1 (Eq. (8)). */
  undefinedForeground: number[];
  /** The p at which dL_bg/dp is undefined: p = 0 for 0 < γ < 1 (Eq. (9)). */
  undefinedBackground: number[];
}

/** Figure 1's data: loss and dL/dp over p ∈ [0, 1], JSON-serializable. */
export interface Figure1Data {
  /** α_t of the curves. */
  alphaT: number;
  /** ε of Eq. (11); 0 for the original loss. */
  epsilon: number;
  /** The grid of probabilities p. */
  p: number[];
  /** One entry per γ. */
  series: Figure1Series[];
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * The data of the paper's Figure 1: foreground and background focal loss and
 * their derivatives with respect to the prediction p, in float64, from
 * Eq. (2), (4), (5) — or, with ε > 0, Eq. (11), (12), (13). The points where
 * a derivative is undefined (a 0·∞ or 0/0, as Eq. (8) and (9) show for
 * 0 < γ < 1) are listed, and their values are `null`.
 *
 * Cost: O(points · gammas) scalar evaluations.
 *
 * @param options γ values, α_t, ε and resolution.
 * @returns Curves per γ over the common grid of p.
 * @throws {RangeError} If `points` < 2 or a parameter is out of range.
 *
 * @example Undefined at p = 1 (foreground) for γ = 0.5 only
 * ```ts
 * import assert from "node:assert/strict";
 * import { figure1Curves } from "@focal/stability/analysis";
 *
 * const { series } = figure1Curves({ gammas: [0.5, 2] });
 * assert.ok(series[0].undefinedForeground[0] === 1);
 * assert.ok(series[1].undefinedForeground.length === 0);
 * ```
 */
export function figure1Curves(options: Figure1Options = {}): Figure1Data {
  const { gammas = [0, 0.5, 1, 2, 5], alphaT = 0.5, epsilon = 0, points = 201 } = options;
  if (!Number.isInteger(points) || points < 2) {
    throw new RangeError(`'points' must be an integer >= 2: received ${points}`);
  }
  if (!(alphaT >= 0 && alphaT <= 1)) {
    throw new RangeError(`'alphaT' must be in [0, 1]: received ${alphaT}`);
  }
  if (!(epsilon >= 0 && Number.isFinite(epsilon))) {
    throw new RangeError(`'epsilon' must be a finite number >= 0: received ${epsilon}`);
  }
  for (const g of gammas) {
    if (!(g >= 0 && Number.isFinite(g))) {
      throw new RangeError(`'gammas' must be finite numbers >= 0: received ${g}`);
    }
  }
  const p = Array.from({ length: points }, (_, i) => i / (points - 1));
  const series = gammas.map((gamma) => {
    // Eq. (2)/(11) and Eq. (4), (5)/(12), (13), written as the paper writes
    // them: at the ends they produce the same 0·∞ and 0/0 as the paper.
    const fgBase = (q: number) => 1 - q + epsilon;
    const bgBase = (q: number) => q + epsilon;
    const fgLoss = p.map((q) => -alphaT * fgBase(q) ** gamma * Math.log(q));
    const bgLoss = p.map((q) => -(1 - alphaT) * bgBase(q) ** gamma * Math.log(1 - q));
    const dFg = p.map((q) =>
      alphaT * (gamma * fgBase(q) ** (gamma - 1) * Math.log(q) - fgBase(q) ** gamma / q)
    );
    const dBg = p.map((q) =>
      -(1 - alphaT) *
      (gamma * bgBase(q) ** (gamma - 1) * Math.log(1 - q) - bgBase(q) ** gamma / (1 - q))
    );
    // The singularity the paper is about: a 0 · ∞ (or 0/0) from (1 − p)^(γ−1)
    // at the end where the prediction equals the target. The other end's
    // infinite derivative (log 0 at a wrong prediction) is a different matter
    // (Sec. 2.3) and is not listed.
    const singular = (base: number, logTerm: number) =>
      base === 0 && gamma > 0 && gamma < 1 && logTerm === 0;
    return {
      gamma,
      foregroundLoss: fgLoss.map(finite),
      backgroundLoss: bgLoss.map(finite),
      foregroundGradient: dFg.map(finite),
      backgroundGradient: dBg.map(finite),
      undefinedForeground: p.filter((q) => singular(fgBase(q), Math.log(q))),
      undefinedBackground: p.filter((q) => singular(bgBase(q), Math.log(1 - q))),
    };
  });
  return { alphaT, epsilon, p, series };
}
